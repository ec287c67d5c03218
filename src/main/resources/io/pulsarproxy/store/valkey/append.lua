-- Appends a batch of messages to one topic's stream as one atomic step.
-- KEYS[1]    the stream; KEYS[2..] dedup keys of the messages that carry a producer id.
-- ARGV[1]    MAXLEN (approximate), ARGV[2] max age in ms (0 = none), ARGV[3] dedup window in ms,
-- ARGV[4]    number of messages, ARGV[5] channel to announce the append on ('' = none),
-- ARGV[6]    the topic (the announcement), then per message: dedup key index (0 = none), ttl
--            seconds (0 = none), number of field/value strings, the strings.
-- Returns    a flat list: entry id, 1 if it was a duplicate else 0, for each message in order.
local stream = KEYS[1]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local out = {}
local a = 7
local added = false
for _ = 1, tonumber(ARGV[4]) do
  local dedupIndex = tonumber(ARGV[a])
  local ttl = tonumber(ARGV[a + 1])
  local nfields = tonumber(ARGV[a + 2])
  a = a + 3
  local existing = false
  if dedupIndex > 0 then
    existing = redis.call('GET', KEYS[dedupIndex])
  end
  if existing then
    out[#out + 1] = existing
    out[#out + 1] = 1
  else
    local fields = {}
    for i = 0, nfields - 1 do
      fields[#fields + 1] = ARGV[a + i]
    end
    if ttl > 0 then
      fields[#fields + 1] = 'x'
      fields[#fields + 1] = string.format('%.0f', now + ttl * 1000)
    end
    local id = redis.call('XADD', stream, 'MAXLEN', '~', ARGV[1], '*', unpack(fields))
    if dedupIndex > 0 then
      redis.call('SET', KEYS[dedupIndex], id, 'PX', ARGV[3])
    end
    out[#out + 1] = id
    out[#out + 1] = 0
    added = true
  end
  a = a + nfields
end
local maxAge = tonumber(ARGV[2])
if maxAge > 0 then
  redis.call('XTRIM', stream, 'MINID', '~', string.format('%.0f', now - maxAge))
end
if added and ARGV[5] ~= '' then
  -- Followers read only the streams announced here (ValkeyTail).
  redis.call('PUBLISH', ARGV[5], ARGV[6])
end
return out
