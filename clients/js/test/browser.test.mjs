// The JavaScript client in a real headless Chromium (Debian's chromium, driven by puppeteer-core),
// on a page of another origin that loads the client module from the proxy (CORS). Two proxies
// share one Valkey; the test drains one and kills the other while messages flow, and the page
// must end with every message once, in order. The page also publishes (a preflighted
// cross-origin POST), reads topic info with fetch(), long-polls and opens an EventSource. Swagger
// UI at /docs renders the API description, and a user authorizes with a token and publishes
// through "Try it out". The READMEs' examples run as pasted.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { mkdtempSync, existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import puppeteer from "puppeteer-core";
import { startRedis, startProxy, inOrderOnce, TOKEN, freePort } from "./harness.mjs";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const TOPIC = "browser.resume";
let valkey, a, b, site, browser;

const PAGE = (proxies) => `<!doctype html>
<html><head><meta charset="utf-8"><title>pulsar-proxy client test</title></head><body>
<script type="module">
  import { PulsarProxy } from "${proxies[0]}/client/pulsar-proxy.js";
  const token = ${JSON.stringify(TOKEN)};
  window.received = [];
  window.events = [];
  const pp = new PulsarProxy(${JSON.stringify(proxies)}, {
    token,
    backoff: { initialMs: 100, maxMs: 1000 },
    onEvent: (e) => window.events.push({ type: e.type, code: e.code, url: e.url, afterMs: e.afterMs, delayMs: e.delayMs, status: e.status }),
  });
  window.sub = pp.subscribe(${JSON.stringify(TOPIC)}, { from: "latest", onMessage: (m) => window.received.push(m.payload) });
  window.publish = (n) => pp.publish(${JSON.stringify(TOPIC)}, n, { messageId: "browser-" + n });
  window.topicInfo = async () => {
    const r = await fetch("${proxies[0]}/api/v1/topics/${TOPIC}", { headers: { Authorization: "Bearer " + token } });
    return { status: r.status, body: await r.json() };
  };
  window.unauthorized = async () => {
    const r = await fetch("${proxies[0]}/api/v1/topics/${TOPIC}/messages", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
    return { status: r.status, body: await r.json() };
  };
  window.eventSource = () => new Promise((ok, fail) => {
    const es = new EventSource("${proxies[0]}/api/v1/topics/${TOPIC}/events?access_token=" + token);
    es.addEventListener("subscribed", (e) => { es.close(); ok(JSON.parse(e.data)); });
    es.onerror = () => { es.close(); fail(new Error("EventSource failed")); };
  });
  window.ready = true;
</script></body></html>`;

// The examples of README.md and of this client's README.md, as pasted, with proxy a in place of
// port 8080 and a topic of their own.
const READMES = ["../../../README.md", "../README.md"];
const EXAMPLES = READMES.map((path) => readFileSync(fileURLToPath(new URL(path, import.meta.url)), "utf8").match(/```html\n([\s\S]*?)```/)[1]);
const README_PAGE = (i, proxy) => `<!doctype html><html><head><meta charset="utf-8"></head><body>
${EXAMPLES[i].replaceAll("http://127.0.0.1:8080", proxy).replaceAll('"orders"', `"readme-${i}"`)}</body></html>`;

before(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`no ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM)`);
  valkey = await startRedis();
  [a, b] = await Promise.all([startProxy(valkey.url, "a"), startProxy(valkey.url, "b")]);
  const sitePort = await freePort();
  site = createServer((req, res) => {
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    const readme = req.url.match(/^\/readme\/(\d)$/);
    res.end(readme ? README_PAGE(Number(readme[1]), a.url) : PAGE([a.url, b.url]));
  });
  await new Promise((ok) => site.listen(sitePort, "127.0.0.1", ok));
  site.url = `http://127.0.0.1:${sitePort}/`;
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir: mkdtempSync(join(tmpdir(), "pp-chromium-")),
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});

after(async () => {
  await browser?.close();
  site?.close();
  a?.stop();
  b?.stop();
  valkey?.stop();
});

/** Publishes from the test, through whichever instance is up, keeping the message_id. */
async function publish(n, via) {
  const r = await fetch(`${via.url}/api/v1/topics/${TOPIC}/messages`, {
    method: "POST",
    headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
    body: JSON.stringify({ payload: n, message_id: `browser-${n}` }),
  });
  assert.ok(r.status === 201 || r.status === 200, `publish ${n}: ${r.status}`);
}

test("a page on another origin resumes through a drain and a kill: every message once, in order", async () => {
  const page = await browser.newPage();
  const consoleLines = [];
  page.on("console", (m) => consoleLines.push(m.text()));
  page.on("pageerror", (e) => consoleLines.push(String(e)));
  await page.goto(site.url);
  await page.waitForFunction(() => window.ready && window.sub.lastId !== null, { timeout: 20000 }).catch((e) => {
    throw new Error(`${e.message}; console: ${consoleLines.join("\n")}`);
  });

  // CORS from the page: fetch() with Authorization, an error answer, an EventSource, a publish.
  const info = await page.evaluate(() => window.topicInfo());
  assert.equal(info.status, 200);
  assert.equal(info.body.topic, TOPIC);
  const refused = await page.evaluate(() => window.unauthorized());
  assert.deepEqual([refused.status, refused.body.error], [401, "unauthorized"]);
  const es = await page.evaluate(() => window.eventSource());
  assert.equal(es.type, "subscribed");
  const mine = await page.evaluate(() => window.publish(0));
  assert.equal(mine.message_id, "browser-0");

  for (let i = 1; i < 10; i++) await publish(i, a);
  await page.waitForFunction(() => window.received.length >= 10, { timeout: 20000 });

  // Drain a: the page gets the reconnect hint and moves to b.
  const drained = a.drain("1s");
  await page.waitForFunction(() => window.events.some((e) => e.type === "hint"), { timeout: 20000 });
  for (let i = 10; i < 20; i++) await publish(i, b);
  await drained;
  await page.waitForFunction((bUrl) => window.events.filter((e) => e.type === "open").at(-1).url === bUrl, { timeout: 20000 }, b.url);
  for (let i = 20; i < 30; i++) await publish(i, b);
  await page.waitForFunction(() => window.received.length >= 30, { timeout: 20000 });

  // a is back; kill b: the page backs off and resumes on a.
  await a.undrain();
  await b.kill();
  for (let i = 30; i < 40; i++) await publish(i, a);
  await page.waitForFunction((aUrl) => window.events.filter((e) => e.type === "open").at(-1).url === aUrl, { timeout: 20000 }, a.url);
  for (let i = 40; i < 50; i++) await publish(i, a);
  await page.waitForFunction(() => window.received.length >= 50, { timeout: 20000 });

  const received = await page.evaluate(() => window.received);
  const events = await page.evaluate(() => window.events);
  assert.equal(inOrderOnce(received, 50), null);
  const closes = events.filter((e) => e.type === "close").map((e) => e.code);
  assert.deepEqual(closes.slice(0, 2), [1001, 1006], JSON.stringify(events));
  const hint = events.find((e) => e.type === "hint");
  assert.equal(events.find((e) => e.type === "reconnecting").delayMs, hint.afterMs);
});

test("a page on another origin long-polls a topic (CORS on a waiting read) and gets the next message", async () => {
  const topic = "browser.longpoll";
  const post = (n) =>
    fetch(`${a.url}/api/v1/topics/${topic}/messages`, {
      method: "POST",
      headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
      body: JSON.stringify({ payload: n, message_id: `longpoll-${n}` }),
    }).then((r) => r.json());
  const first = await post(0);
  const page = await browser.newPage();
  await page.goto(site.url);
  await page.waitForFunction(() => window.ready, { timeout: 20000 });
  const poll = page.evaluate(
    async (url, token) => {
      const r = await fetch(url, { headers: { Authorization: "Bearer " + token } });
      return { status: r.status, body: await r.json() };
    },
    `${a.url}/api/v1/topics/${topic}/messages?after=${first.id}&wait=20`,
    TOKEN,
  );
  await post(1);
  const answer = await poll;
  assert.equal(answer.status, 200);
  assert.deepEqual(answer.body.messages.map((m) => m.payload), [1]);
  await page.close();
});

test("Swagger UI at /docs renders every operation of the API description", async () => {
  const page = await browser.newPage();
  await page.goto(`${a.url}/docs`);
  await page.waitForFunction(() => document.querySelectorAll(".opblock").length >= 11, { timeout: 20000 });
  const ops = await page.evaluate(() => [...document.querySelectorAll(".opblock-summary-path")].map((e) => e.textContent.replace(/\u200b/g, "")));
  for (const path of ["/api/v1/topics/{topic}/messages", "/api/v1/messages/batch", "/api/v1/topics/{topic}/events", "/health/ready"]) {
    assert.ok(ops.includes(path), `${path} in ${JSON.stringify(ops)}`);
  }
  assert.ok(await page.$(".btn.authorize"), "the Authorize button for a bearer token");
});

test("Swagger UI: a user pastes a token, tries the publish operation, and the message is stored", async () => {
  const topic = "docs.tryout";
  const page = await browser.newPage();
  await page.goto(`${a.url}/docs`);
  // Authorize: paste the token into the bearer scheme (the document's first) and apply it.
  await (await page.waitForSelector(".btn.authorize", { timeout: 20000 })).click();
  await (await page.waitForSelector("#auth-bearer-value", { timeout: 20000 })).type(TOKEN);
  await page.click('.modal-ux .auth-container button[aria-label="Apply credentials"]');
  await page.waitForSelector('.modal-ux button[aria-label="Remove authorization"]', { timeout: 20000 });
  await page.click(".modal-ux button.close-modal");
  // Try it out on "publish one message to a topic", with the document's example body.
  const op = "#operations-publish-publishToTopic";
  await page.click(`${op} .opblock-summary`);
  await (await page.waitForSelector(`${op} .try-out__btn`, { timeout: 20000 })).click();
  const topicInput = await page.waitForSelector(`${op} tr[data-param-name="topic"] input`, { timeout: 20000 });
  await topicInput.evaluate((e) => e.select()); // the example value: typing replaces it
  await topicInput.type(topic);
  await page.click(`${op} .btn.execute`);
  const status = await page.waitForSelector(`${op} .live-responses-table tr.response .response-col_status`, { timeout: 20000 });
  const shown = await page.evaluate((o) => document.querySelector(`${o} .responses-wrapper`).innerText, op);
  assert.match(await status.evaluate((e) => e.textContent.trim()), /^201/, shown);
  await page.close();
  const r = await fetch(`${a.url}/api/v1/topics/${topic}/messages?after=0-0&wait=0`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  const stored = (await r.json()).messages;
  assert.deepEqual(stored.map((m) => m.message_id), ["order-4711-created"], shown);
});

for (const [i, path] of READMES.entries()) {
  test(`the example in ${path.replace("../../../", "").replace("../", "clients/js/")} runs as pasted on a page of another origin`, async () => {
    assert.match(EXAMPLES[i], /http:\/\/127\.0\.0\.1:8080/);
    const page = await browser.newPage();
    const logged = [];
    let timer;
    // The example logs each message's id and payload: here, the message it published itself.
    const message = new Promise((ok, fail) => {
      page.on("console", async (m) => {
        const args = await Promise.all(m.args().map((h) => h.jsonValue()));
        logged.push(args);
        if (/^\d+-\d+$/.test(String(args[0]))) ok(args);
      });
      page.on("pageerror", fail);
      timer = setTimeout(() => fail(new Error(`no message logged in 20 s: ${JSON.stringify(logged)}`)), 20000);
    });
    await page.goto(`${site.url}readme/${i}`);
    const [, payload] = await message.finally(() => clearTimeout(timer));
    assert.deepEqual(payload, { order: 42 });
    await page.close();
  });
}
