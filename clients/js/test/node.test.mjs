// The JavaScript client in Node 20 (with the ws package) against two real proxies built from this
// repository, sharing one real Valkey/Redis: delivery, resume after an operator's disconnect, a
// drain's reconnect hint, an instance killed, publish retries that keep the message_id, refusals.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import WebSocket from "ws";
import { PulsarProxy, PulsarProxyError, compareIds, backoffDelay } from "../pulsar-proxy.js";
import { startRedis, startProxy, until, inOrderOnce, TOKEN, freePort } from "./harness.mjs";

let valkey, a, b, limited;
const clients = [];

before(async () => {
  valkey = await startRedis();
  const limitedConfig = new URL("./limited.yml", import.meta.url).pathname;
  [a, b, limited] = await Promise.all([startProxy(valkey.url, "a"), startProxy(valkey.url, "b"), startProxy(valkey.url, "limited", limitedConfig)]);
});

after(() => {
  for (const c of clients) c.close();
  a?.stop();
  b?.stop();
  limited?.stop();
  valkey?.stop();
});

function client(urls, extra = {}) {
  const events = [];
  const pp = new PulsarProxy(urls, { token: TOKEN, WebSocket, backoff: { initialMs: 100, maxMs: 1000 }, onEvent: (e) => events.push(e), ...extra });
  clients.push(pp);
  return { pp, events };
}

/** A subscription that records payloads and waits until it is live. */
async function subscribed(pp, events, topic, from = "latest") {
  const got = [];
  const gaps = [];
  const opens = events.filter((e) => e.type === "open").length;
  const sub = pp.subscribe(topic, { from, onMessage: (m) => got.push(m.payload), onGap: (g) => gaps.push(g) });
  await until(() => events.filter((e) => e.type === "open").length > opens && sub.lastId !== null, 20000, `subscribed to ${topic}`);
  return { sub, got, gaps };
}

async function read(topic) {
  const r = await fetch(`${a.url}/api/v1/topics/${topic}/messages?after=0-0&wait=0&limit=1000`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  return (await r.json()).messages;
}

test("ids compare as numbers; backoff is full jitter within its cap", () => {
  assert.ok(compareIds("9-0", "10-0") < 0);
  assert.ok(compareIds("10-2", "10-10") < 0);
  assert.equal(compareIds("10-1", "10-1"), 0);
  assert.equal(backoffDelay(3, { initialMs: 100, maxMs: 1000 }, () => 0.999), 799);
  assert.equal(backoffDelay(10, { initialMs: 100, maxMs: 1000 }, () => 0.5), 500);
  assert.equal(backoffDelay(10, { initialMs: 100, maxMs: 1000 }, () => 0), 0);
});

test("publishes and delivers every message once, in order; a repeated messageId is a duplicate", async () => {
  const { pp, events } = client(a.url);
  const { got } = await subscribed(pp, events, "js.basic");
  for (let i = 0; i < 20; i++) {
    const r = await pp.publish("js.basic", i, { messageId: `basic-${i}`, metadata: { n: String(i) } });
    assert.equal(r.message_id, `basic-${i}`);
    assert.equal(r.duplicate, undefined);
  }
  const again = await pp.publish("js.basic", 99, { messageId: "basic-3" });
  assert.equal(again.duplicate, true);
  await pp.publish("js.basic", 20, { messageId: "basic-20" });
  await until(() => got.length >= 21, 20000, "21 messages");
  assert.equal(inOrderOnce(got, 21), null);
  pp.close();
});

test("from=earliest replays what is stored, then goes live; batches publish in order", async () => {
  const { pp, events } = client(b.url);
  const r = await pp.publishBatch("js.batch", [0, 1, 2, 3, 4].map((n) => ({ payload: n, messageId: `batch-${n}` })));
  assert.equal(r.results.length, 5);
  const { got } = await subscribed(pp, events, "js.batch", "earliest");
  await pp.publish("js.batch", 5);
  await until(() => got.length >= 6, 20000, "6 messages");
  assert.equal(inOrderOnce(got, 6), null);
  pp.close();
});

test("an operator's disconnect: the client reconnects and resumes from its last id", async () => {
  const { pp, events } = client(a.url);
  const { got } = await subscribed(pp, events, "js.cut");
  for (let i = 0; i < 5; i++) await pp.publish("js.cut", i);
  await until(() => got.length >= 5, 20000, "5 messages");
  await a.disconnect("js.cut");
  for (let i = 5; i < 10; i++) await pp.publish("js.cut", i); // some while it is away
  await until(() => events.filter((e) => e.type === "open").length >= 2, 20000, "the reconnect");
  for (let i = 10; i < 15; i++) await pp.publish("js.cut", i);
  await until(() => got.length >= 15, 20000, "15 messages");
  assert.equal(inOrderOnce(got, 15), null);
  const close = events.find((e) => e.type === "close");
  assert.equal(close.code, 1008);
  pp.close();
});

test("a draining instance: the client waits the hinted after_ms, moves on, and misses nothing", async () => {
  const { pp, events } = client([a.url, b.url]);
  const { got } = await subscribed(pp, events, "js.drain");
  const publisher = client([b.url]).pp;
  for (let i = 0; i < 5; i++) await publisher.publish("js.drain", i);
  await until(() => got.length >= 5, 20000, "5 messages");
  const drained = a.drain("1s");
  await until(() => events.some((e) => e.type === "hint"), 20000, "the reconnect hint");
  for (let i = 5; i < 10; i++) await publisher.publish("js.drain", i);
  await drained;
  await until(() => events.filter((e) => e.type === "open").length >= 2, 20000, "the reconnect to b");
  for (let i = 10; i < 15; i++) await publisher.publish("js.drain", i);
  await until(() => got.length >= 15, 20000, "15 messages");
  assert.equal(inOrderOnce(got, 15), null);
  const hint = events.find((e) => e.type === "hint");
  const reconnecting = events.find((e) => e.type === "reconnecting");
  assert.equal(reconnecting.delayMs, hint.afterMs, "the hint replaces the backoff");
  assert.ok(hint.afterMs <= 1000, `after_ms ${hint.afterMs} within the 1 s window`);
  assert.equal(events.find((e) => e.type === "close").code, 1001);
  assert.equal(events.filter((e) => e.type === "open").at(-1).url, b.url);
  await a.undrain();
  pp.close();
});

test("publish retries keep the message_id: a dead URL, then a store that stalls, store it once", async () => {
  const dead = `http://127.0.0.1:${await freePort()}`;
  const { pp, events } = client([dead, a.url], { backoff: { initialMs: 200, maxMs: 1000 } });
  const first = await pp.publish("js.retry", "once", { messageId: "retry-1" });
  assert.equal(first.message_id, "retry-1");
  assert.equal(events.filter((e) => e.type === "retry")[0].status, 0, "the dead URL failed first");
  // The store stops answering for longer than store.commandTimeout (2 s): the proxy answers 503,
  // and the retries go on until it is back.
  const { pp: p2, events: e2 } = client(a.url, { backoff: { initialMs: 500, maxMs: 2000 }, publishRetries: 8 });
  valkey.pause();
  const resumed = new Promise((ok) => setTimeout(() => { valkey.resume(); ok(); }, 3000));
  const second = await p2.publish("js.retry", "twice?", { messageId: "retry-2" });
  await resumed;
  assert.equal(second.message_id, "retry-2");
  assert.ok(e2.some((e) => e.type === "retry" && e.status === 503 && e.error === "store_unavailable"), JSON.stringify(e2));
  const stored = (await read("js.retry")).map((m) => m.message_id);
  assert.deepEqual(stored, ["retry-1", "retry-2"]);
});

test("a subscribe refused with store_unavailable (the store stalled) is sent again, and then delivers", async () => {
  const topic = `js.stalled.${Date.now()}`;
  const { pp, events } = client(a.url, { backoff: { initialMs: 100, maxMs: 500 } });
  const first = pp.subscribe("js.stalled.first", { onMessage: () => {} });
  await until(() => first.subscribed, 20000, "the connection");
  const got = [];
  const errors = [];
  let sub;
  valkey.pause();
  try {
    // A topic this proxy never followed: "latest" must ask the store, which does not answer.
    sub = pp.subscribe(topic, { onMessage: (m) => got.push(m.payload), onError: (f) => errors.push(f) });
    await until(() => events.some((e) => e.type === "error" && e.frame?.error === "store_unavailable"), 20000, "the refusal");
  } finally {
    valkey.resume();
  }
  await until(() => sub.subscribed, 20000, "subscribed once the store is back");
  await pp.publish(topic, 7, { messageId: "stalled-7" });
  await until(() => got.length > 0, 20000, "the message");
  assert.deepEqual(got, [7]);
  assert.deepEqual(errors, [], "store_unavailable does not end the subscription");
  assert.equal(events.filter((e) => e.type === "open").length, 1, "no reconnect");
  pp.close();
});

test("429 backpressure: publishes wait out Retry-After instead of failing; a batch over the burst rejects", async () => {
  const { pp, events } = client(limited.url, { token: "limited-secret", backoff: { initialMs: 100, maxMs: 500 }, publishRetries: 10 });
  for (let i = 0; i < 5; i++) assert.equal((await pp.publish("js.limited", i, { messageId: `limited-${i}` })).message_id, `limited-${i}`);
  const retries = events.filter((e) => e.type === "retry");
  assert.ok(retries.some((e) => e.status === 429 && e.delayMs >= 1000), JSON.stringify(retries));
  const before = events.length;
  await assert.rejects(pp.publishBatch("js.limited", [1, 2, 3].map((n) => ({ payload: n }))), (e) => e.status === 429 && e.error === "rate_limited");
  assert.equal(events.slice(before).filter((e) => e.type === "retry").length, 0, "never fits: not retried");
});

test("refusals reject with the proxy's error word and are not retried", async () => {
  const { pp } = client(a.url, { token: "not-a-token" });
  await assert.rejects(pp.publish("js.refused", 1), (e) => e instanceof PulsarProxyError && e.status === 401 && e.error === "unauthorized");
  const { pp: ok } = client(a.url);
  await assert.rejects(ok.publish("bad..topic", 1), (e) => e.status === 400 && e.error === "invalid_topic");
  await assert.rejects(ok.publish("js.refused", { big: "x".repeat(2 * 1024 * 1024) }), (e) => e.status === 413);
  const errors = [];
  ok.subscribe("bad..topic", { onMessage: () => {}, onError: (f) => errors.push(f) });
  await until(() => errors.length > 0, 20000, "the error frame");
  assert.equal(errors[0].error, "invalid_topic");
  ok.close();
});

test("an instance killed: backoff, reconnect to the other, resume without a gap or a repeat", async () => {
  const { pp, events } = client([b.url, a.url]);
  const { got } = await subscribed(pp, events, "js.kill");
  const publisher = client([a.url]).pp;
  for (let i = 0; i < 5; i++) await publisher.publish("js.kill", i);
  await until(() => got.length >= 5, 20000, "5 messages");
  await b.kill();
  for (let i = 5; i < 10; i++) await publisher.publish("js.kill", i);
  await until(() => events.filter((e) => e.type === "open").length >= 2, 20000, "the reconnect to a");
  for (let i = 10; i < 15; i++) await publisher.publish("js.kill", i);
  await until(() => got.length >= 15, 20000, "15 messages");
  assert.equal(inOrderOnce(got, 15), null);
  assert.equal(events.find((e) => e.type === "close").code, 1006);
  pp.close();
});
