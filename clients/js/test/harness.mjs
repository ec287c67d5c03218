// Test harness: a Valkey/Redis server and proxies built from this repository, each in a process
// of its own on free loopback ports. The server binary is found as the Maven tests find it:
// PP_TEST_VALKEY_SERVER, else valkey-server or redis-server on PATH, else the redis-server bundled
// in the org.signal:embedded-redis test dependency (in the local Maven repository after
// ./mvnw verify), so a machine with only a JDK runs these tests too.
import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, chmodSync, openSync, readFileSync } from "node:fs";
import { createServer, connect } from "node:net";
import { tmpdir, homedir } from "node:os";
import { join, resolve, delimiter, dirname } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
export const TOKEN = "pp-dev-token"; // the shipped config.yml's development token
const EMBEDDED_REDIS = "org/signal/embedded-redis/0.9.1/embedded-redis-0.9.1.jar";

export function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

function onPath(name) {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return null;
}

function javaTool(name) {
  const home = process.env.JAVA_HOME;
  if (home && existsSync(join(home, "bin", name))) return join(home, "bin", name);
  const found = onPath(name);
  if (!found) throw new Error(`no ${name}: set JAVA_HOME or put a JDK on PATH`);
  return found;
}

export function redisBinary() {
  if (process.env.PP_TEST_VALKEY_SERVER) return process.env.PP_TEST_VALKEY_SERVER;
  const found = onPath("valkey-server") ?? onPath("redis-server");
  if (found) return found;
  const repo = process.env.MAVEN_REPO ?? join(homedir(), ".m2", "repository");
  const jar = join(repo, EMBEDDED_REDIS);
  if (!existsSync(jar)) throw new Error(`no valkey-server or redis-server on PATH, and no ${jar}: run ./mvnw verify first`);
  const arch = { x64: "amd64", arm64: "arm64" }[process.arch];
  const name = `redis-server-7.0.15-${process.platform === "darwin" ? "darwin" : "linux"}-${arch}`;
  const dir = mkdtempSync(join(tmpdir(), "pp-js-redis-"));
  execFileSync(javaTool("jar"), ["xf", jar, name], { cwd: dir });
  chmodSync(join(dir, name), 0o755);
  return join(dir, name);
}

async function waitFor(check, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function tcpOpen(port) {
  return new Promise((ok) => {
    const s = connect(port, "127.0.0.1");
    s.on("connect", () => { s.destroy(); ok(true); });
    s.on("error", () => ok(false));
  });
}

export async function startRedis() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "pp-js-valkey-"));
  const child = spawn(redisBinary(), ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir], { stdio: "ignore" });
  await waitFor(() => tcpOpen(port), 15000, "the Valkey server");
  return {
    url: `redis://127.0.0.1:${port}`,
    pause: () => child.kill("SIGSTOP"),
    resume: () => child.kill("SIGCONT"),
    stop: () => { child.kill("SIGCONT"); child.kill("SIGKILL"); },
  };
}

/** A proxy process; `config` defaults to the shipped config.yml. */
export async function startProxy(valkeyUrl, name = "proxy", config = join(ROOT, "config.yml")) {
  const jar = join(ROOT, "target", "pulsar-proxy.jar");
  if (!existsSync(jar)) throw new Error(`no ${jar}: run ./mvnw package first`);
  const [port, adminPort] = [await freePort(), await freePort()];
  const logFile = join(mkdtempSync(join(tmpdir(), `pp-js-${name}-`)), "proxy.log");
  const out = openSync(logFile, "w");
  const child = spawn(javaTool("java"), ["-XX:TieredStopAtLevel=1", "-jar", jar, "server", config], {
    env: { ...process.env, VALKEY_URL: valkeyUrl, PP_HTTP_PORT: String(port), PP_ADMIN_PORT: String(adminPort), PP_READINESS_DELAY: "0s", PP_DRAIN_WINDOW: "1s" },
    stdio: ["ignore", out, out],
  });
  let exited = false;
  child.on("exit", () => { exited = true; });
  const url = `http://127.0.0.1:${port}`;
  const admin = `http://127.0.0.1:${adminPort}`;
  await waitFor(async () => {
    if (exited) throw new Error(`${name} exited:\n${readFileSync(logFile, "utf8")}`);
    try {
      return (await fetch(`${url}/health/ready`)).status === 200;
    } catch {
      return false;
    }
  }, 90000, `${name} to be ready`);
  const task = async (name, params = "") => {
    const r = await fetch(`${admin}/tasks/${name}${params}`, { method: "POST" });
    if (r.status !== 200) throw new Error(`${name}: ${r.status} ${await r.text()}`);
    return r.json();
  };
  return {
    name,
    url,
    admin,
    /** Drains: a reconnect frame (after_ms within the window), then a close with 1001. */
    drain: (window = "1s") => task("drain", `?window=${window}`),
    undrain: () => task("undrain"),
    disconnect: (topic) => task("disconnect", `?topic=${encodeURIComponent(topic)}&reason=test`),
    /** SIGKILL: connections drop without a close frame. */
    kill: () => new Promise((ok) => { if (exited) return ok(); child.once("exit", () => ok()); child.kill("SIGKILL"); }),
    stop: () => { if (!exited) child.kill("SIGKILL"); },
    log: () => readFileSync(logFile, "utf8"),
  };
}

/** Waits until check() is true, polling; for events the test cannot await directly. */
export function until(check, timeoutMs = 20000, what = "a condition") {
  return waitFor(() => check(), timeoutMs, what);
}

/** Asserts that messages are exactly the payload numbers 0..n-1, in order, each once. */
export function inOrderOnce(payloads, n) {
  if (payloads.length !== n) return `got ${payloads.length} messages, expected ${n}: ${JSON.stringify(payloads)}`;
  for (let i = 0; i < n; i++) if (payloads[i] !== i) return `message ${i} is ${payloads[i]}: ${JSON.stringify(payloads)}`;
  return null;
}
