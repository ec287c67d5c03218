// Pulsar Proxy JavaScript client: one ES module, no dependencies, for browsers and Node 20+.
//
//   import { PulsarProxy } from "https://push.example.com/client/pulsar-proxy.js";
//   const pp = new PulsarProxy("https://push.example.com", { token: "..." });
//   const sub = pp.subscribe("orders", { from: "earliest", onMessage: (m) => console.log(m.id, m.payload) });
//   await pp.publish("orders", { order: 42 }, { messageId: "order-42" });
//   sub.close();
//
// Subscriptions share one WebSocket per PulsarProxy. After any drop the client reconnects and
// subscribes again from the last id it delivered per topic, so nothing is lost (while retention
// keeps it) and nothing is delivered twice. Consumer groups (pp.subscribeGroup) ack what the
// handler finished and rejoin with the same consumer name. With a tokenProvider, an expiring JWT
// is refreshed on the open connection. See clients/js/README.md and docs/protocol.md.

/** An HTTP refusal from the proxy: `status`, the stable `error` word, and its `message`. */
export class PulsarProxyError extends Error {
  constructor(status, error, message, retryAfterMs) {
    super(`${status} ${error}: ${message}`);
    this.name = "PulsarProxyError";
    this.status = status;
    this.error = error;
    this.retryAfterMs = retryAfterMs;
  }
}

/** Compares two entry ids `ms-seq`; negative when a is older. */
export function compareIds(a, b) {
  const [am, as = "0"] = String(a).split("-");
  const [bm, bs = "0"] = String(b).split("-");
  if (am.length !== bm.length) return am.length - bm.length;
  if (am !== bm) return am < bm ? -1 : 1;
  if (as.length !== bs.length) return as.length - bs.length;
  return as === bs ? 0 : as < bs ? -1 : 1;
}

/** Full jitter: a random delay between 0 and min(max, base * 2^attempt). */
export function backoffDelay(attempt, { initialMs = 250, maxMs = 30000 } = {}, random = Math.random) {
  const cap = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * cap);
}

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const ID = /^[0-9]+(-[0-9]+)?$/;

function randomId() {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === "function") return c.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
}

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => { clearTimeout(t); reject(signal.reason); }, { once: true });
  });
}

/** How many acked ids a group subscription remembers, to ack a redelivery again unseen. */
const ACKED_MEMORY = 10000;
/** Most ids the proxy takes in one ack or nack frame. */
const MAX_IDS_PER_FRAME = 1000;
/** Close codes after which the connection's token never works again: a new one is needed. */
const TOKEN_CLOSES = { 4001: "token_expired", 4003: "token_revoked" };

/** Plain subscriptions are keyed by topic, group ones by topic and group (they may coexist). */
function subKey(topic, group) {
  return group === undefined ? topic : `${topic}\u0000${group}`;
}

/** A set that forgets its oldest entries beyond `limit`, so a long-lived consumer stays small. */
class BoundedSet {
  constructor(limit) {
    this._limit = limit;
    this._set = new Set();
  }

  has(v) {
    return this._set.has(v);
  }

  add(v) {
    this._set.delete(v);
    this._set.add(v);
    if (this._set.size > this._limit) this._set.delete(this._set.values().next().value);
  }
}

export class PulsarProxy {
  /**
   * @param {string|string[]} url the proxy's base URL (`https://push.example.com`), normally your
   *   load balancer's; a list is tried in turn, one per reconnect or failed publish attempt
   * @param {object} [options]
   * @param {string} [options.token] a bearer token
   * @param {() => (string|Promise<string>)} [options.tokenProvider] asked for the token before
   *   every connect and every publish, instead of `token`, and on a `token_expiring` frame (the
   *   answer, when it is a new token, is sent as a `refresh`)
   * @param {Function} [options.WebSocket] a WebSocket class (Node 20: `import WebSocket from "ws"`)
   * @param {Function} [options.fetch] a fetch function (default: the global one)
   * @param {{initialMs?: number, maxMs?: number}} [options.backoff] reconnect and retry backoff
   *   (full jitter, default 250 ms doubling to 30 s)
   * @param {number} [options.publishRetries] attempts after the first (default 5)
   * @param {string} [options.consumer] the consumer name of group subscriptions (default: a
   *   random one per PulsarProxy)
   * @param {(event: object) => void} [options.onEvent] connection events, for logs and tests:
   *   `{type: "open"|"close"|"reconnecting"|"hint"|"error"|"retry"|"refreshed"|"refresh_skipped"|
   *   "stopped"|"handler_error", ...}` (`retry`: a publish is tried again after `status` (0: a
   *   network error) in `delayMs`; `stopped`: a 4001/4003 close without a tokenProvider ended
   *   every subscription)
   * @param {(frame: object) => void} [options.onTokenExpiring] optional observer, called on every
   *   `token_expiring` frame (before the client refreshes, when it has a tokenProvider)
   */
  constructor(url, options = {}) {
    const urls = (Array.isArray(url) ? url : [url]).map((u) => String(u).replace(/\/+$/, ""));
    if (urls.length === 0 || urls.some((u) => !/^https?:\/\//.test(u))) {
      throw new TypeError("url must be an http:// or https:// base URL (or a list of them)");
    }
    this._urls = urls;
    this._next = 0;
    this._token = options.token;
    this._tokenProvider = options.tokenProvider;
    this._WebSocket = options.WebSocket ?? globalThis.WebSocket;
    this._fetch = options.fetch ?? globalThis.fetch?.bind(globalThis);
    this._backoff = { initialMs: 250, maxMs: 30000, ...(options.backoff ?? {}) };
    this._publishRetries = options.publishRetries ?? 5;
    this._onEvent = options.onEvent ?? (() => {});
    this._tokenExpiringHook = options.onTokenExpiring;
    this._consumer = options.consumer ?? `js-${randomId()}`;
    this._subs = new Map(); // subKey(topic, group) -> subscription state
    this._ws = null;
    this._connToken = undefined; // the token this connection was opened with or refreshed to
    this._refresh = null; // {ws, token} while a refresh is in flight
    this._attempt = 0;
    this._hintMs = null;
    this._timer = null;
    this._connecting = false;
    this._closed = false;
  }

  /** The base URL in use now. */
  get url() {
    return this._urls[this._next % this._urls.length];
  }

  /** The consumer name group subscriptions use unless they name one. */
  get consumer() {
    return this._consumer;
  }

  async _currentToken() {
    return this._tokenProvider ? await this._tokenProvider() : this._token;
  }

  // ---- subscribing

  /**
   * Subscribes to a topic. Messages come in id order, each once, across reconnects.
   *
   * @param {string} topic
   * @param {object} handlers
   * @param {string} [handlers.from] `latest` (default), `earliest`, or the last id you handled
   * @param {(message: object) => void} handlers.onMessage gets the message frame (`topic`, `id`,
   *   `message_id`, `timestamp`, `payload`, `metadata`, maybe `key`)
   * @param {(gap: object) => void} [handlers.onGap] retention removed messages after `from`
   * @param {(error: object) => void} [handlers.onError] the proxy refused this subscription
   *   (an `error` frame: `forbidden`, `invalid_topic`, ...); it is not retried. Also called with
   *   `{type: "error", code: 401, error: "token_expired"|"token_revoked"}` when the connection
   *   closed with 4001/4003 and there is no tokenProvider to get a new token from.
   * @returns {{close(): void, readonly lastId: string|null, readonly topic: string}}
   */
  subscribe(topic, { from = "latest", onMessage, onGap, onError } = {}) {
    this._checkNew(topic, undefined, onMessage);
    const sub = {
      kind: "plain",
      key: subKey(topic),
      topic,
      from: String(from),
      lastId: ID.test(String(from)) ? String(from) : null, // nothing below or at this is delivered
      onMessage,
      onGap,
      onError,
      active: true,
      subscribed: false,
    };
    this._addSub(sub);
    const self = this;
    return {
      topic,
      get lastId() {
        return sub.lastId;
      },
      get subscribed() {
        return sub.subscribed;
      },
      close() {
        self._closeSub(sub);
      },
    };
  }

  /**
   * Joins a consumer group of a topic: each message goes to one consumer of the group, and comes
   * again (to any consumer) until it is acked. At least once: see clients/js/README.md.
   *
   * @param {string} topic
   * @param {string} group
   * @param {object} handlers
   * @param {(message: object) => (void|Promise<void>)} handlers.onMessage gets the message frame
   *   (with `group` and `delivery_count`); with `ack: "manual"` it also has `ack()` and
   *   `nack(delay)`
   * @param {"auto"|"manual"} [handlers.ack] `auto` (default): acked when onMessage returns (or
   *   its promise resolves), nacked when it throws (or rejects)
   * @param {string|number} [handlers.nackDelay] auto mode: a failed message is due again after
   *   this (`"5s"`, or milliseconds); default at once
   * @param {string} [handlers.consumer] this consumer's name (default: the PulsarProxy's)
   * @param {number} [handlers.prefetch] messages in flight at most (1 to 1000; proxy default 100)
   * @param {(error: object) => void} [handlers.onError] the proxy refused the subscription
   * @returns {{close(): void, readonly topic: string, readonly group: string, readonly consumer: string, readonly subscribed: boolean}}
   */
  subscribeGroup(topic, group, { consumer = this._consumer, prefetch, ack = "auto", nackDelay, onMessage, onError } = {}) {
    if (typeof group !== "string" || group === "") throw new TypeError("group must be a non-empty string");
    if (ack !== "auto" && ack !== "manual") throw new TypeError('ack must be "auto" or "manual"');
    this._checkNew(topic, group, onMessage);
    const sub = {
      kind: "group",
      key: subKey(topic, group),
      topic,
      group,
      consumer,
      prefetch,
      manual: ack === "manual",
      nackDelay,
      onMessage,
      onError,
      active: true,
      subscribed: false,
      acked: new BoundedSet(ACKED_MEMORY), // ids this client acked: a redelivery is acked unseen
      handling: new Set(), // ids with the handler now: a redelivery meanwhile is not passed again
      acks: [], // ids to ack in the next frame
      nacks: new Map(), // delay ("" for none) -> ids to nack in the next frame
      flushQueued: false,
    };
    this._addSub(sub);
    const self = this;
    return {
      topic,
      group,
      consumer,
      get subscribed() {
        return sub.subscribed;
      },
      close() {
        self._closeSub(sub);
      },
    };
  }

  /** Closes every subscription and the connection. */
  close() {
    this._closed = true;
    // Acks still queued go out first: otherwise their messages would come back to the group.
    for (const sub of this._subs.values()) if (sub.kind === "group") this._flushSettles(sub);
    this._subs.clear();
    this._disconnect();
  }

  _checkNew(topic, group, onMessage) {
    if (typeof topic !== "string" || topic === "") throw new TypeError("topic must be a non-empty string");
    if (typeof onMessage !== "function") throw new TypeError("onMessage must be a function");
    if (this._subs.has(subKey(topic, group))) throw new Error(`already subscribed to ${topic}${group === undefined ? "" : ` in group ${group}`}`);
    if (this._closed) throw new Error("this PulsarProxy is closed");
  }

  _addSub(sub) {
    this._subs.set(sub.key, sub);
    if (this._isOpen()) {
      this._sendSubscribe(sub);
    } else {
      this._ensureConnected();
    }
  }

  _closeSub(sub) {
    if (!sub.active) return;
    if (sub.kind === "group") this._flushSettles(sub); // acks first: then nothing comes back
    sub.active = false;
    this._subs.delete(sub.key);
    this._send(sub.kind === "group" ? { op: "unsubscribe", topic: sub.topic, group: sub.group } : { op: "unsubscribe", topic: sub.topic });
    if (this._subs.size === 0) this._disconnect();
  }

  _isOpen() {
    return this._ws !== null && this._ws.readyState === 1;
  }

  /** Sends a frame when the connection is open; false when it is not. */
  _send(frame) {
    if (!this._isOpen()) return false;
    this._ws.send(JSON.stringify(frame));
    return true;
  }

  _disconnect() {
    clearTimeout(this._timer);
    this._timer = null;
    const ws = this._ws;
    this._ws = null;
    this._refresh = null;
    if (ws) {
      ws.onclose = ws.onmessage = ws.onerror = ws.onopen = null;
      try {
        ws.close(1000, "client closed");
      } catch {
        // already closing
      }
    }
  }

  _ensureConnected() {
    if (this._ws || this._timer || this._connecting || this._closed || this._subs.size === 0) return;
    this._connect();
  }

  async _connect() {
    this._timer = null;
    if (this._closed || this._subs.size === 0 || this._connecting) return;
    this._connecting = true;
    try {
      await this._open();
    } finally {
      this._connecting = false;
    }
  }

  async _open() {
    if (!this._WebSocket) throw new Error("no WebSocket class: pass { WebSocket } (the ws package in Node 20)");
    let token;
    try {
      token = await this._currentToken();
    } catch (e) {
      this._onEvent({ type: "error", error: e });
      this._scheduleReconnect();
      return;
    }
    if (this._closed || this._subs.size === 0) return;
    const base = this.url.replace(/^http/, "ws");
    const url = `${base}/api/v1/ws${token ? `?access_token=${encodeURIComponent(token)}` : ""}`;
    let ws;
    try {
      ws = new this._WebSocket(url);
    } catch (e) {
      this._onEvent({ type: "error", error: e });
      this._scheduleReconnect();
      return;
    }
    this._ws = ws;
    this._connToken = token;
    const here = this.url;
    ws.onopen = () => {
      this._onEvent({ type: "open", url: here });
      for (const sub of this._subs.values()) this._sendSubscribe(sub);
      // Acks queued while the connection was down: an ack works through any connection.
      for (const sub of this._subs.values()) if (sub.kind === "group") this._flushSettles(sub);
    };
    ws.onmessage = (e) => this._onFrame(e.data);
    ws.onerror = () => {}; // a close follows
    ws.onclose = (e) => this._onClose(ws, here, e);
  }

  _onClose(ws, url, e) {
    if (this._ws !== ws) return;
    this._ws = null;
    this._refresh = null;
    for (const sub of this._subs.values()) sub.subscribed = false;
    this._onEvent({ type: "close", url, code: e.code, reason: e.reason });
    const word = TOKEN_CLOSES[e.code];
    if (word && !this._tokenProvider) {
      this._stop(e.code, word);
      return;
    }
    this._scheduleReconnect(); // with a tokenProvider, the reconnect asks it for a new token
  }

  /**
   * The token expired or was revoked and there is no tokenProvider: reconnecting with the same
   * token would be refused forever, so every subscription ends and is told why.
   */
  _stop(code, word) {
    const frame = {
      type: "error",
      code: 401,
      error: word,
      message: `the connection closed with ${code} ${word}; without a tokenProvider the client cannot get a new token, so it stopped`,
    };
    const subs = [...this._subs.values()];
    this._subs.clear();
    for (const sub of subs) {
      sub.active = false;
      if (sub.onError) sub.onError(frame);
    }
    this._onEvent({ type: "stopped", code, frame });
  }

  _scheduleReconnect() {
    if (this._closed || this._subs.size === 0 || this._timer) return;
    // The server's hint (a draining instance's after_ms) wins over the backoff.
    const delay = this._hintMs ?? backoffDelay(this._attempt, this._backoff);
    this._hintMs = null;
    this._attempt++;
    if (this._urls.length > 1) this._next++;
    this._onEvent({ type: "reconnecting", delayMs: delay, attempt: this._attempt, url: this.url });
    this._timer = setTimeout(() => this._connect(), delay);
  }

  _sendSubscribe(sub) {
    const frame =
      sub.kind === "group"
        ? { op: "subscribe", topic: sub.topic, group: sub.group, consumer: sub.consumer, ...(sub.prefetch !== undefined ? { prefetch: sub.prefetch } : {}) }
        : // Resume after the last id delivered; before any, from what the caller asked for.
          { op: "subscribe", topic: sub.topic, from: sub.lastId ?? sub.from };
    this._send(frame);
  }

  _onFrame(data) {
    let f;
    try {
      f = JSON.parse(typeof data === "string" ? data : new TextDecoder().decode(data));
    } catch {
      return;
    }
    switch (f.type) {
      case "message":
        if (f.group !== undefined) this._onGroupMessage(f);
        else this._onMessage(f);
        return;
      case "subscribed":
        this._onSubscribed(f);
        return;
      case "gap": {
        const sub = this._subs.get(subKey(f.topic));
        if (sub?.active && sub.onGap) sub.onGap(f);
        return;
      }
      case "reconnect":
        this._hintMs = Math.max(0, Number(f.after_ms) || 0);
        this._onEvent({ type: "hint", afterMs: this._hintMs });
        return; // the close follows
      case "token_expiring":
        this._onTokenExpiring(f);
        return;
      case "refreshed":
        this._onRefreshed(f);
        return;
      case "error":
        if (f.topic === undefined) this._onConnectionError(f);
        else this._onTopicError(f);
        return;
      default:
        return; // pong, unsubscribed, acked, nacked, disconnected (the close follows), later types
    }
  }

  _onMessage(f) {
    const sub = this._subs.get(subKey(f.topic));
    if (!sub || !sub.active) return;
    if (sub.lastId !== null && compareIds(f.id, sub.lastId) <= 0) return; // seen: not again
    sub.lastId = f.id;
    sub.onMessage(f);
  }

  _onSubscribed(f) {
    this._attempt = 0; // a working connection: the backoff starts over
    const sub = this._subs.get(subKey(f.topic, f.group));
    if (!sub) return;
    sub.subscribed = true;
    // "latest" resolved to an id: a later resume starts there, not at a newer "latest".
    if (sub.kind === "plain" && sub.lastId === null && ID.test(String(f.from))) sub.lastId = f.from;
  }

  /**
   * An error frame naming a topic: for the group subscription it names (`group`), else for the
   * plain one. A refused subscribe, a refresh's `forbidden`, or a failed ack or nack.
   */
  _onTopicError(f) {
    const sub = this._subs.get(subKey(f.topic, f.group));
    if (sub && f.error === "store_unavailable") {
      // The proxy could not look the topic up: ask again shortly. (Subscribed: an ack the store
      // missed; the message comes again and is acked again.)
      if (!sub.subscribed) {
        setTimeout(() => {
          if (sub.active && this._isOpen() && !sub.subscribed) this._sendSubscribe(sub);
        }, backoffDelay(1, this._backoff));
      }
      this._onEvent({ type: "error", frame: f });
      return;
    }
    // A running group subscription outlives a refused ack or nack; anything else ends it.
    const ends = sub && f.error !== "already_subscribed" && (sub.kind === "plain" || !sub.subscribed || f.error === "forbidden");
    if (ends) {
      sub.active = false;
      this._subs.delete(sub.key);
      if (sub.onError) sub.onError(f);
    }
    this._onEvent({ type: "error", frame: f });
  }

  /** An error frame without a topic: in practice the answer to a refused refresh. */
  _onConnectionError(f) {
    // The connection keeps its old token until exp; then the proxy closes it with 4001 and the
    // reconnect asks the tokenProvider again. Subscriptions are not touched.
    this._refresh = null;
    this._onEvent({ type: "error", frame: f });
  }

  // ---- token refresh

  _onTokenExpiring(f) {
    if (this._tokenExpiringHook) this._tokenExpiringHook(f);
    if (!this._tokenProvider || this._refresh) return; // at most one refresh in flight
    this._refreshToken(this._ws, f);
  }

  async _refreshToken(ws, f) {
    const refresh = { ws, token: null };
    this._refresh = refresh;
    let token;
    try {
      token = await this._tokenProvider();
    } catch (e) {
      if (this._refresh === refresh) this._refresh = null;
      this._onEvent({ type: "error", error: e });
      return;
    }
    // The connection closed meanwhile: its reconnect asks the provider again.
    if (this._refresh !== refresh || this._ws !== ws || !this._isOpen()) return;
    if (!token || token === this._connToken) {
      // The same token again would change nothing: let the connection run to exp (4001) and
      // reconnect then.
      this._refresh = null;
      this._onEvent({ type: "refresh_skipped", exp: f.exp });
      return;
    }
    refresh.token = token;
    this._send({ op: "refresh", token });
  }

  _onRefreshed(f) {
    if (this._refresh?.token) this._connToken = this._refresh.token;
    this._refresh = null;
    this._onEvent({ type: "refreshed", exp: f.exp });
  }

  // ---- consumer groups

  _onGroupMessage(f) {
    const sub = this._subs.get(subKey(f.topic, f.group));
    if (!sub || !sub.active) return;
    // Acked before, but the ack was lost (the connection dropped first): ack again, unseen.
    if (sub.acked.has(f.id)) {
      this._queueSettle(sub, f.id, "ack");
      return;
    }
    if (sub.handling.has(f.id)) return; // the handler still has it and will settle it
    sub.handling.add(f.id);
    let settled = false;
    const settle = (op, delay) => {
      if (settled) return;
      settled = true;
      sub.handling.delete(f.id);
      this._queueSettle(sub, f.id, op, delay);
    };
    const failed = (error) => {
      this._onEvent({ type: "handler_error", topic: f.topic, group: f.group, id: f.id, error });
      settle("nack", sub.nackDelay);
    };
    const done = () => {
      if (!sub.manual) settle("ack");
    };
    const m = sub.manual ? { ...f, ack: () => settle("ack"), nack: (delay) => settle("nack", delay) } : f;
    let result;
    try {
      result = sub.onMessage(m);
    } catch (e) {
      failed(e);
      return;
    }
    if (result && typeof result.then === "function") result.then(done, failed);
    else done();
  }

  /** Queues an ack or nack; all queued in one turn go out together, one frame per kind. */
  _queueSettle(sub, id, op, delay) {
    if (op === "ack") {
      sub.acked.add(id);
      sub.acks.push(id);
    } else {
      const d = delay === undefined || delay === null ? "" : typeof delay === "number" ? `${delay}ms` : String(delay);
      if (!sub.nacks.has(d)) sub.nacks.set(d, []);
      sub.nacks.get(d).push(id);
    }
    if (sub.flushQueued) return;
    sub.flushQueued = true;
    queueMicrotask(() => {
      sub.flushQueued = false;
      this._flushSettles(sub);
    });
  }

  _flushSettles(sub) {
    // While the connection is down they wait: the next connection sends them.
    if (!this._isOpen()) return;
    const base = { topic: sub.topic, group: sub.group };
    for (let i = 0; i < sub.acks.length; i += MAX_IDS_PER_FRAME) {
      this._send({ op: "ack", ...base, ids: sub.acks.slice(i, i + MAX_IDS_PER_FRAME) });
    }
    sub.acks = [];
    for (const [delay, ids] of sub.nacks) {
      for (let i = 0; i < ids.length; i += MAX_IDS_PER_FRAME) {
        this._send({ op: "nack", ...base, ids: ids.slice(i, i + MAX_IDS_PER_FRAME), ...(delay ? { delay } : {}) });
      }
    }
    sub.nacks.clear();
  }

  // ---- publishing

  /**
   * Publishes one message; resolves with the publish result (`id`, `message_id`, `topic`,
   * `timestamp`, and `duplicate: true` when the message was already stored).
   *
   * Network errors, 429 (after `Retry-After`) and 5xx are retried with the same `message_id`, so
   * a retry never stores the message twice. When no `messageId` is given, one is generated here
   * for that reason. Other refusals reject with a {@link PulsarProxyError} at once.
   *
   * @param {string} topic
   * @param {*} payload any JSON value except null
   * @param {{messageId?: string, metadata?: Object<string,string>, key?: string, ttl?: number, signal?: AbortSignal}} [options]
   */
  async publish(topic, payload, options = {}) {
    if (payload === null || payload === undefined) throw new TypeError("payload must be a JSON value, not null");
    const body = { payload, message_id: options.messageId ?? randomId() };
    if (options.metadata !== undefined) body.metadata = options.metadata;
    if (options.key !== undefined) body.key = options.key;
    if (options.ttl !== undefined) body.ttl = options.ttl;
    return this._post(`/api/v1/topics/${encodeURIComponent(topic)}/messages`, body, options.signal);
  }

  /**
   * Publishes a batch atomically, in order; resolves with `{results: [...]}`, one per message.
   * Each message is `{payload, messageId?, metadata?, key?, ttl?}`; missing ids are generated, so
   * that a retry stores nothing twice.
   */
  async publishBatch(topic, messages, options = {}) {
    const items = messages.map((m) => {
      const item = { payload: m.payload, message_id: m.messageId ?? randomId() };
      if (m.metadata !== undefined) item.metadata = m.metadata;
      if (m.key !== undefined) item.key = m.key;
      if (m.ttl !== undefined) item.ttl = m.ttl;
      return item;
    });
    return this._post(`/api/v1/topics/${encodeURIComponent(topic)}/messages/batch`, { messages: items }, options.signal);
  }

  async _post(path, body, signal) {
    if (!this._fetch) throw new Error("no fetch function: pass { fetch }");
    const text = JSON.stringify(body);
    for (let attempt = 0; ; attempt++) {
      let wait;
      try {
        const token = await this._currentToken();
        const headers = { "Content-Type": "application/json" };
        if (token) headers.Authorization = `Bearer ${token}`;
        const r = await this._fetch(this.url + path, { method: "POST", headers, body: text, signal });
        const answer = await r.json().catch(() => ({}));
        if (r.status === 200 || r.status === 201) return answer;
        const retryAfter = Number(r.headers.get("Retry-After"));
        const retryAfterMs = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined;
        const error = new PulsarProxyError(r.status, answer.error ?? `http_${r.status}`, answer.message ?? "", retryAfterMs);
        // A 429 without Retry-After (a batch over the burst) never fits: no retry.
        if (!RETRYABLE_STATUS.has(r.status) || (r.status === 429 && retryAfterMs === undefined) || attempt >= this._publishRetries) {
          throw error;
        }
        wait = Math.max(retryAfterMs ?? 0, backoffDelay(attempt, this._backoff));
        this._onEvent({ type: "retry", path, status: r.status, error: error.error, delayMs: wait });
      } catch (e) {
        if (e instanceof PulsarProxyError || signal?.aborted || attempt >= this._publishRetries) throw e;
        // The network failed: the outcome is unknown, and the same message_id makes the retry safe.
        if (this._urls.length > 1) this._next++;
        wait = backoffDelay(attempt, this._backoff);
        this._onEvent({ type: "retry", path, status: 0, error: String(e?.message ?? e), delayMs: wait });
      }
      await sleep(wait, signal);
    }
  }
}
