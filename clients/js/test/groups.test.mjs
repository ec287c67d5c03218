// Consumer groups over WebSocket with the JavaScript client, against three real proxies sharing
// one Valkey: two consumers share a group's messages, a failing handler gets its message again,
// manual acks, and a drained and a killed instance mid-stream (at least once: every message is
// acked in the end, by one consumer or the other).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import WebSocket from "ws";
import { PulsarProxy } from "../pulsar-proxy.js";
import { startRedis, startProxy, until, TOKEN } from "./harness.mjs";

let valkey, a, b, c, publisher;
const clients = [];

before(async () => {
  valkey = await startRedis();
  [a, b, c] = await Promise.all([startProxy(valkey.url, "a"), startProxy(valkey.url, "b"), startProxy(valkey.url, "c")]);
  publisher = new PulsarProxy(a.url, { token: TOKEN });
});

after(() => {
  for (const x of clients) x.close();
  a?.stop();
  b?.stop();
  c?.stop();
  valkey?.stop();
});

function client(urls, extra = {}) {
  const events = [];
  const pp = new PulsarProxy(urls, { token: TOKEN, WebSocket, backoff: { initialMs: 100, maxMs: 500 }, onEvent: (e) => events.push(e), ...extra });
  clients.push(pp);
  return { pp, events };
}

const H = { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" };

/** Creates the group from the topic's start, with a short ack timeout: drops come back fast. */
async function createGroup(topic, group, ackTimeout = "1s") {
  const r = await fetch(`${a.url}/api/v1/topics/${topic}/groups/${group}`, { method: "PUT", headers: H, body: JSON.stringify({ from: "earliest", ack_timeout: ackTimeout }) });
  assert.equal(r.status, 201, await r.text());
}

async function groupInfo(topic, group) {
  return (await fetch(`${a.url}/api/v1/topics/${topic}/groups/${group}`, { headers: H })).json();
}

/** Waits until the group has handed out all n messages and none is pending: all acked. */
async function allAcked(topic, group, n) {
  let info;
  await until(async () => {
    info = await groupInfo(topic, group);
    return info.pending === 0 && info.lag === 0;
  }, 30000, `every message of ${topic}/${group} acked (${JSON.stringify(info)})`);
}

/** A consumer that records every delivery; its handler takes `workMs` (async) per message. */
function consumer(pp, topic, group, options = {}) {
  const seen = []; // {payload, id, delivery_count} per call of onMessage
  const work = options.workMs ?? 0;
  const handle = pp.subscribeGroup(topic, group, {
    prefetch: 2,
    ...options,
    onMessage: async (m) => {
      seen.push({ payload: m.payload, id: m.id, count: m.delivery_count });
      if (work) await new Promise((r) => setTimeout(r, work));
      if (options.onMessage) await options.onMessage(m);
    },
  });
  return { handle, seen };
}

const payloads = (seen) => seen.map((s) => s.payload);
const range = (n) => [...Array(n).keys()];

test("two consumers in one group on two instances share the messages, each processed once", async () => {
  const topic = "js.group.share";
  await createGroup(topic, "billing", "30s"); // long: nothing may come back on its own
  const p = client(a.url).pp;
  const q = client(b.url).pp;
  const one = consumer(p, topic, "billing", { workMs: 20 });
  const two = consumer(q, topic, "billing", { workMs: 20, ack: "manual", onMessage: (m) => m.ack() });
  await until(() => one.handle.subscribed && two.handle.subscribed, 20000, "both subscribed");
  assert.notEqual(one.handle.consumer, two.handle.consumer, "a random consumer name per PulsarProxy");
  const n = 40;
  for (const i of range(n)) await publisher.publish(topic, i);
  await until(() => one.seen.length + two.seen.length >= n, 20000, `${n} messages`);
  await allAcked(topic, "billing", n);
  const all = [...payloads(one.seen), ...payloads(two.seen)].sort((x, y) => x - y);
  assert.deepEqual(all, range(n), "the union is every message, none twice");
  assert.ok(one.seen.length > 0 && two.seen.length > 0, `both took some: ${one.seen.length} and ${two.seen.length}`);
  assert.ok([...one.seen, ...two.seen].every((s) => s.count === 1));
  const info = await groupInfo(topic, "billing");
  assert.deepEqual(info.consumers.map((x) => x.name).sort(), [one.handle.consumer, two.handle.consumer].sort());
});

test("a handler that throws once: the message is nacked and comes again with delivery_count 2", async () => {
  const topic = "js.group.retry";
  await createGroup(topic, "workers", "30s");
  const { pp, events } = client(a.url);
  let failed = false;
  const w = consumer(pp, topic, "workers", {
    onMessage: (m) => {
      if (m.payload === 3 && !failed) {
        failed = true;
        throw new Error("boom");
      }
    },
  });
  await until(() => w.handle.subscribed, 20000, "subscribed");
  for (const i of range(6)) await publisher.publish(topic, i);
  await until(() => w.seen.filter((s) => s.payload === 3).length >= 2, 20000, "the redelivery");
  await allAcked(topic, "workers", 6);
  const threes = w.seen.filter((s) => s.payload === 3).map((s) => s.count);
  assert.deepEqual(threes, [1, 2]);
  assert.deepEqual([...new Set(payloads(w.seen))].sort(), range(6));
  assert.equal(w.seen.length, 7, "the others once each");
  assert.equal(events.filter((e) => e.type === "handler_error").length, 1);
});

test("a plain and a group subscription of one topic on one connection each get their own frames", async () => {
  const topic = "js.group.both";
  await createGroup(topic, "g1", "30s");
  const { pp, events } = client(a.url);
  const plain = [];
  const sub = pp.subscribe(topic, { from: "earliest", onMessage: (m) => plain.push(m) });
  const g = consumer(pp, topic, "g1");
  await until(() => sub.subscribed && g.handle.subscribed, 20000, "both subscribed");
  for (const i of range(5)) await publisher.publish(topic, i);
  await until(() => plain.length >= 5 && g.seen.length >= 5, 20000, "5 each");
  await allAcked(topic, "g1", 5);
  assert.deepEqual(plain.map((m) => m.payload), range(5));
  assert.ok(plain.every((m) => m.group === undefined));
  assert.deepEqual(payloads(g.seen), range(5));
  assert.equal(events.filter((e) => e.type === "open").length, 1, "one connection");
  g.handle.close();
  sub.close();
});

test("a refused group subscribe ends only that subscription; the plain one of the same topic goes on", async () => {
  const topic = "js.group.refused";
  const { pp, events } = client(a.url);
  const plain = [];
  const plainErrors = [];
  const groupErrors = [];
  const sub = pp.subscribe(topic, { from: "earliest", onMessage: (m) => plain.push(m.payload), onError: (f) => plainErrors.push(f) });
  const refused = pp.subscribeGroup(topic, "bad name", { onMessage: () => {}, onError: (f) => groupErrors.push(f) });
  await until(() => groupErrors.length > 0 && sub.subscribed, 20000, "the refusal and the plain subscription");
  assert.equal(groupErrors[0].error, "invalid_group");
  assert.equal(groupErrors[0].group, "bad name", "the error frame names the group");
  assert.equal(refused.subscribed, false);
  for (const i of range(3)) await publisher.publish(topic, i);
  await until(() => plain.length >= 3, 20000, "3 messages");
  assert.deepEqual(plain, range(3));
  assert.deepEqual(plainErrors, []);
  assert.equal(events.filter((e) => e.type === "open").length, 1, "no reconnect");
  sub.close();
});

test("a lost ack: the redelivered message is acked again without calling the handler twice", async () => {
  const topic = "js.group.lostack";
  await createGroup(topic, "audit", "1s");
  const sent = [];
  let dropped = 0;
  // The real ws class, but the first ack frame never leaves: as if the connection had dropped
  // right after the handler finished.
  class LosesFirstAck extends WebSocket {
    send(data, ...rest) {
      const f = JSON.parse(data);
      if (f.op === "ack") {
        sent.push(f);
        if (dropped++ === 0) return;
      }
      super.send(data, ...rest);
    }
  }
  const { pp } = client(a.url, { WebSocket: LosesFirstAck });
  const w = consumer(pp, topic, "audit");
  await until(() => w.handle.subscribed, 20000, "subscribed");
  const { id } = await publisher.publish(topic, "once");
  await until(() => sent.length >= 2, 20000, "the ack sent again after the redelivery");
  await allAcked(topic, "audit", 1);
  assert.deepEqual(w.seen.map((s) => s.id), [id], "the handler saw it once");
  assert.deepEqual(sent.map((f) => f.ids), [[id], [id]]);
});

/**
 * Two consumers, one of them on `first` (then `second`); `cut()` happens while messages flow.
 * At least once: the union of what both handled is every message, and the group ends up with
 * nothing pending.
 */
async function survives(topic, urls, cut) {
  await createGroup(topic, "jobs", "1s");
  const { pp, events } = client(urls);
  const other = client(a.url).pp;
  const x = consumer(pp, topic, "jobs", { workMs: 10 });
  const y = consumer(other, topic, "jobs", { workMs: 10 });
  await until(() => x.handle.subscribed && y.handle.subscribed, 20000, "both subscribed");
  const n = 60;
  for (const i of range(20)) await publisher.publish(topic, i);
  await until(() => x.seen.length > 0, 20000, "the first consumer at work");
  await cut();
  for (const i of range(n).slice(20)) await publisher.publish(topic, i);
  await until(() => events.filter((e) => e.type === "open").length >= 2 && x.handle.subscribed, 20000, "the reconnect");
  await allAcked(topic, "jobs", n);
  const all = new Set([...payloads(x.seen), ...payloads(y.seen)]);
  assert.deepEqual([...all].sort((p, q) => p - q), range(n), "every message handled at least once");
  return { events, x, y };
}

test("a drained instance mid-stream: the consumer moves to another, and every message is acked", async () => {
  const { events } = await survives("js.group.drain", [b.url, a.url], () => b.drain("1s"));
  assert.ok(events.some((e) => e.type === "hint"));
  assert.equal(events.find((e) => e.type === "close").code, 1001);
  await b.undrain();
});

test("a killed instance mid-stream: in-flight messages come back after the ack timeout, every message is acked", async () => {
  const { events } = await survives("js.group.kill", [c.url, a.url], () => c.kill());
  assert.equal(events.find((e) => e.type === "close").code, 1006);
});
