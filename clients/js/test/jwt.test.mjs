// The JavaScript client with expiring JWTs against a real proxy (test/jwt.yml: HS256, a
// token_expiring warning 2 s before exp, no clock skew): refresh on token_expiring, a refused
// refresh, 4001 at exp and 4003 on revocation, with and without a tokenProvider.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHmac, randomUUID } from "node:crypto";
import WebSocket from "ws";
import { PulsarProxy } from "../pulsar-proxy.js";
import { startRedis, startProxy, until, inOrderOnce, TOKEN } from "./harness.mjs";

const SECRET = "pp-js-client-test-hmac-secret-0123456789abcdef"; // auth.jwt.hmacSecret in jwt.yml
let valkey, proxy, publisher;
const clients = [];

before(async () => {
  valkey = await startRedis();
  proxy = await startProxy(valkey.url, "jwt", new URL("./jwt.yml", import.meta.url).pathname);
  publisher = new PulsarProxy(proxy.url, { token: TOKEN });
});

after(() => {
  for (const c of clients) c.close();
  proxy?.stop();
  valkey?.stop();
});

/** An HS256 JWT of `sub` that expires in `ttlSeconds` (whole seconds: exp is epoch seconds). */
function mint(sub, ttlSeconds, jti = randomUUID()) {
  const now = Math.floor(Date.now() / 1000);
  const part = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const head = `${part({ alg: "HS256", typ: "JWT" })}.${part({ sub, iat: now, exp: now + ttlSeconds, jti, pp_subscribe: ["*"], pp_publish: ["*"] })}`;
  return `${head}.${createHmac("sha256", SECRET).update(head).digest("base64url")}`;
}

function client(options) {
  const events = [];
  const pp = new PulsarProxy(proxy.url, { WebSocket, backoff: { initialMs: 100, maxMs: 500 }, onEvent: (e) => events.push(e), ...options });
  clients.push(pp);
  return { pp, events };
}

const count = (events, type) => events.filter((e) => e.type === type).length;
const pace = () => new Promise((r) => setTimeout(r, 100)); // spaces the publishes out over time

/** Publishes 0, 1, 2, ... to `topic` until `done()`; resolves with how many it published. */
async function publishUntil(topic, done, timeoutMs = 40000) {
  const deadline = Date.now() + timeoutMs;
  let n = 0;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out publishing to ${topic} (${n} published)`);
    await publisher.publish(topic, n, { messageId: `${topic}-${n}` });
    n++;
    await pace();
  }
  return n;
}

test("with a tokenProvider the JWT is refreshed before each exp: no close, every message once, in order", async () => {
  const expiring = [];
  let asked = 0;
  const { pp, events } = client({
    tokenProvider: () => {
      asked++;
      return mint("alice", 4);
    },
    onTokenExpiring: (f) => expiring.push(f),
  });
  const got = [];
  const sub = pp.subscribe("jwt.refresh", { onMessage: (m) => got.push(m.payload) });
  await until(() => sub.subscribed, 20000, "subscribed");
  const n = await publishUntil("jwt.refresh", () => count(events, "refreshed") >= 3);
  await until(() => got.length >= n, 20000, `${n} messages`);
  assert.equal(inOrderOnce(got, n), null);
  assert.equal(count(events, "close"), 0, JSON.stringify(events));
  assert.equal(count(events, "open"), 1);
  assert.ok(expiring.length >= 3, "the onTokenExpiring observer saw every warning");
  assert.ok(asked >= 4, "the provider was asked at connect and at each warning");
  const exps = events.filter((e) => e.type === "refreshed").map((e) => e.exp);
  assert.ok(exps.every((e, i) => i === 0 || e > exps[i - 1]), `each refresh moved exp on: ${exps}`);
  pp.close();
});

test("without a tokenProvider a JWT's 4001 stops the client, and onError gets token_expired", async () => {
  const errors = [];
  const expiring = [];
  const { pp, events } = client({ token: mint("bob", 3), onTokenExpiring: (f) => expiring.push(f) });
  const got = [];
  const sub = pp.subscribe("jwt.expire", { onMessage: (m) => got.push(m.payload), onError: (f) => errors.push(f) });
  await until(() => sub.subscribed, 20000, "subscribed");
  await publisher.publish("jwt.expire", 0);
  await until(() => got.length === 1, 20000, "the message before exp");
  await until(() => errors.length > 0, 20000, "onError");
  assert.deepEqual({ ...errors[0], message: undefined }, { type: "error", code: 401, error: "token_expired", message: undefined });
  assert.equal(events.find((e) => e.type === "close").code, 4001);
  assert.equal(events.find((e) => e.type === "stopped").frame.error, "token_expired");
  assert.equal(count(events, "reconnecting"), 0, "the same token never works again: no reconnect");
  assert.equal(expiring.length, 1, "the observer saw the warning");
  assert.equal(pp._ws, null);
});

test("without a tokenProvider a revoked JWT's 4003 stops the client, and onError gets token_revoked", async () => {
  const jti = randomUUID();
  const errors = [];
  const { pp, events } = client({ token: mint("dave", 600, jti) });
  const sub = pp.subscribe("jwt.revoke", { onMessage: () => {}, onError: (f) => errors.push(f) });
  await until(() => sub.subscribed, 20000, "subscribed");
  const r = await fetch(`${proxy.admin}/tasks/revoke?jti=${jti}`, { method: "POST" });
  assert.equal(r.status, 200, await r.text());
  await until(() => errors.length > 0, 20000, "onError");
  assert.equal(errors[0].error, "token_revoked");
  assert.equal(events.find((e) => e.type === "close").code, 4003);
  assert.equal(count(events, "reconnecting"), 0);
  pp.close();
});

test("a refused refresh (sub_mismatch) is reported; at 4001 the client reconnects with a new token and resumes with no gap or repeat", async () => {
  let n = 0;
  // Every token of another sub: each refresh is refused, each new connection is accepted.
  const { pp, events } = client({ tokenProvider: () => mint(`carol-${n++}`, 4) });
  const got = [];
  const errors = [];
  const sub = pp.subscribe("jwt.mismatch", { onMessage: (m) => got.push(m.payload), onError: (f) => errors.push(f) });
  await until(() => sub.subscribed, 20000, "subscribed");
  const reconnected = () => events.some((e) => e.type === "close" && e.code === 4001) && count(events, "open") >= 2 && sub.subscribed;
  const sent = await publishUntil("jwt.mismatch", reconnected);
  for (let i = sent; i < sent + 5; i++) await publisher.publish("jwt.mismatch", i, { messageId: `jwt.mismatch-${i}` });
  await until(() => got.length >= sent + 5, 20000, `${sent + 5} messages`);
  assert.equal(inOrderOnce(got, sent + 5), null);
  const refused = events.find((e) => e.type === "error" && e.frame);
  assert.equal(refused.frame.error, "sub_mismatch");
  assert.equal(refused.frame.topic, undefined);
  assert.equal(errors.length, 0, "a refused refresh does not end the subscription");
  assert.equal(count(events, "stopped"), 0);
  pp.close();
});

test("a provider that answers the same token: no refresh is sent; the 4001 at exp reconnects with the next one, nothing missed", async () => {
  let cached = null;
  // A provider that caches its token until it has expired, as a naive one would.
  const { pp, events } = client({
    tokenProvider: () => {
      if (!cached || cached.exp <= Date.now() / 1000) cached = { exp: Math.floor(Date.now() / 1000) + 3, token: mint("erin", 3) };
      return cached.token;
    },
  });
  const got = [];
  const sub = pp.subscribe("jwt.same", { onMessage: (m) => got.push(m.payload) });
  await until(() => sub.subscribed, 20000, "subscribed");
  const reconnected = () => events.some((e) => e.type === "close" && e.code === 4001) && count(events, "open") >= 2 && sub.subscribed;
  const sent = await publishUntil("jwt.same", reconnected);
  await until(() => got.length >= sent, 20000, `${sent} messages`);
  assert.equal(inOrderOnce(got, sent), null);
  assert.ok(count(events, "refresh_skipped") >= 1, JSON.stringify(events));
  assert.equal(count(events, "refreshed"), 0);
  assert.equal(count(events, "stopped"), 0);
  pp.close();
});
