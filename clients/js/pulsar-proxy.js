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
// keeps it) and nothing is delivered twice. See clients/js/README.md and docs/protocol.md.

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

export class PulsarProxy {
  /**
   * @param {string|string[]} url the proxy's base URL (`https://push.example.com`), normally your
   *   load balancer's; a list is tried in turn, one per reconnect or failed publish attempt
   * @param {object} [options]
   * @param {string} [options.token] a bearer token
   * @param {() => (string|Promise<string>)} [options.tokenProvider] asked for the token before
   *   every connect and every publish, instead of `token`
   * @param {Function} [options.WebSocket] a WebSocket class (Node 20: `import WebSocket from "ws"`)
   * @param {Function} [options.fetch] a fetch function (default: the global one)
   * @param {{initialMs?: number, maxMs?: number}} [options.backoff] reconnect and retry backoff
   *   (full jitter, default 250 ms doubling to 30 s)
   * @param {number} [options.publishRetries] attempts after the first (default 5)
   * @param {(event: object) => void} [options.onEvent] connection events, for logs and tests:
   *   `{type: "open"|"close"|"reconnecting"|"hint"|"error"|"retry", ...}` (`retry`: a publish
   *   is tried again after `status` (0: a network error) in `delayMs`)
   * @param {(frame: object) => void} [options.onTokenExpiring] optional hook, called on a
   *   `token_expiring` frame; reserved: wired when expiring (JWT) tokens land in the proxy. The
   *   client already asks `tokenProvider` again on every reconnect.
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
    this._onTokenExpiring = options.onTokenExpiring;
    this._subs = new Map(); // topic -> subscription state
    this._ws = null;
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
   *   (an `error` frame: `forbidden`, `invalid_topic`, ...); it is not retried
   * @returns {{close(): void, readonly lastId: string|null, readonly topic: string}}
   */
  subscribe(topic, { from = "latest", onMessage, onGap, onError } = {}) {
    if (typeof topic !== "string" || topic === "") throw new TypeError("topic must be a non-empty string");
    if (typeof onMessage !== "function") throw new TypeError("onMessage must be a function");
    if (this._subs.has(topic)) throw new Error(`already subscribed to ${topic}`);
    if (this._closed) throw new Error("this PulsarProxy is closed");
    const sub = {
      topic,
      from: String(from),
      lastId: ID.test(String(from)) ? String(from) : null, // nothing below or at this is delivered
      onMessage,
      onGap,
      onError,
      active: true,
      subscribed: false,
    };
    this._subs.set(topic, sub);
    if (this._ws && this._ws.readyState === 1) {
      this._sendSubscribe(sub);
    } else {
      this._ensureConnected();
    }
    const self = this;
    return {
      topic,
      get lastId() {
        return sub.lastId;
      },
      close() {
        if (!sub.active) return;
        sub.active = false;
        self._subs.delete(topic);
        if (self._ws && self._ws.readyState === 1) {
          self._ws.send(JSON.stringify({ op: "unsubscribe", topic }));
        }
        if (self._subs.size === 0) self._disconnect();
      },
    };
  }

  /** Closes every subscription and the connection. */
  close() {
    this._closed = true;
    this._subs.clear();
    this._disconnect();
  }

  _disconnect() {
    clearTimeout(this._timer);
    this._timer = null;
    const ws = this._ws;
    this._ws = null;
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
    const here = this.url;
    ws.onopen = () => {
      this._onEvent({ type: "open", url: here });
      for (const sub of this._subs.values()) this._sendSubscribe(sub);
    };
    ws.onmessage = (e) => this._onFrame(e.data);
    ws.onerror = () => {}; // a close follows
    ws.onclose = (e) => {
      if (this._ws !== ws) return;
      this._ws = null;
      for (const sub of this._subs.values()) sub.subscribed = false;
      this._onEvent({ type: "close", url: here, code: e.code, reason: e.reason });
      this._scheduleReconnect();
    };
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
    // Resume after the last id delivered; before any, from what the caller asked for.
    const from = sub.lastId ?? sub.from;
    this._ws.send(JSON.stringify({ op: "subscribe", topic: sub.topic, from }));
  }

  _onFrame(data) {
    let f;
    try {
      f = JSON.parse(typeof data === "string" ? data : new TextDecoder().decode(data));
    } catch {
      return;
    }
    const sub = f.topic !== undefined ? this._subs.get(f.topic) : undefined;
    switch (f.type) {
      case "message":
        if (!sub || !sub.active) return;
        if (sub.lastId !== null && compareIds(f.id, sub.lastId) <= 0) return; // seen: not again
        sub.lastId = f.id;
        sub.onMessage(f);
        return;
      case "subscribed":
        this._attempt = 0; // a working connection: the backoff starts over
        if (!sub) return;
        sub.subscribed = true;
        // "latest" resolved to an id: a later resume starts there, not at a newer "latest".
        if (sub.lastId === null && ID.test(String(f.from))) sub.lastId = f.from;
        return;
      case "gap":
        if (sub?.active && sub.onGap) sub.onGap(f);
        return;
      case "reconnect":
        this._hintMs = Math.max(0, Number(f.after_ms) || 0);
        this._onEvent({ type: "hint", afterMs: this._hintMs });
        return; // the close follows
      case "token_expiring":
        if (this._onTokenExpiring) this._onTokenExpiring(f);
        return;
      case "error":
        if (sub && f.error === "store_unavailable") {
          // The proxy could not look the topic up; ask again shortly.
          setTimeout(() => {
            if (sub.active && this._ws && this._ws.readyState === 1 && !sub.subscribed) this._sendSubscribe(sub);
          }, backoffDelay(1, this._backoff));
          return;
        }
        if (sub && f.error !== "already_subscribed") {
          sub.active = false;
          this._subs.delete(sub.topic);
          if (sub.onError) sub.onError(f);
        }
        this._onEvent({ type: "error", frame: f });
        return;
      default:
        return; // pong, unsubscribed, disconnected (the close follows), later frame types
    }
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
