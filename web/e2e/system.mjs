// Starts the whole mall (`bin/mall dev`) for the browser journey, on free
// ports, its own databases (a fresh prefix) and its own Valkey key prefix,
// and removes them again when stopped. The repository's bin/mall and
// web/dist must be built first (the Makefile does).
import { spawn, execFileSync } from "node:child_process";
import { copyFileSync, createWriteStream, existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { randomBytes } from "node:crypto";

const root = resolve(import.meta.dirname, "../..");

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.unref();
    s.on("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

// serving asks the API's gRPC health service (over Connect JSON); mall dev
// serves only once every part (Temporal, worker, writer) has started.
async function serving(baseURL) {
  try {
    const r = await fetch(`${baseURL}/grpc.health.v1.Health/Check`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
      signal: AbortSignal.timeout(2000),
    });
    return r.ok && (await r.json()).status === "SERVING_STATUS_SERVING";
  } catch {
    return false;
  }
}

// startSystem starts mall dev, a second time on other ports if the first
// exited before answering: the ports are free when picked, but the Temporal
// dev server takes further ports of its own choosing, which can collide.
export async function startSystem({ artifacts }) {
  try {
    return await startOnce({ artifacts, attempt: 1 });
  } catch (err) {
    if (!(err instanceof ExitedAtStart)) throw err;
    console.warn(`\ne2e: ${err.message}; starting again on other ports`);
    return await startOnce({ artifacts, attempt: 2 });
  }
}

class ExitedAtStart extends Error {}

async function startOnce({ artifacts, attempt }) {
  const mall = join(root, "bin/mall");
  if (!existsSync(mall)) throw new Error("bin/mall is missing: run `make build` first");
  if (!existsSync(join(root, "web/dist/index.html"))) throw new Error("web/dist is missing: run `npm run build` in web/");
  const [http, paysim, temporal, ui] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const id = randomBytes(3).toString("hex");
  const state = mkdtempSync(join(tmpdir(), "mall-e2e-"));
  const dbPrefix = `e2e_${id}_`;
  const cachePrefix = `e2e:${id}:`;
  const baseURL = `http://127.0.0.1:${http}`;
  const args = [
    "dev",
    `--http-addr=127.0.0.1:${http}`,
    `--internal-url=${baseURL}`,
    `--public-url=${baseURL}`,
    `--provider-url=http://127.0.0.1:${paysim}`,
    "--provider-poll-interval=2s",
    "--kafka-port=0",
    `--temporal-address=127.0.0.1:${temporal}`,
    `--temporal-ui-port=${ui}`,
    `--state-dir=${state}`,
    `--jwt-key-file=${join(state, "jwt.pem")}`,
    `--db-prefix=${dbPrefix}`,
    `--cache-prefix=${cachePrefix}`,
    `--web-dir=${join(root, "web/dist")}`,
  ];
  const logName = attempt === 1 ? "mall-dev.log" : `mall-dev-${attempt}.log`;
  const log = createWriteStream(join(artifacts, logName));
  const proc = spawn(mall, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  proc.stdout.pipe(log);
  proc.stderr.pipe(log);
  let exited = null;
  proc.on("exit", (code, signal) => (exited = { code, signal }));

  const stop = async () => {
    if (exited === null) {
      proc.kill("SIGINT");
      const gone = new Promise((ok) => proc.on("exit", ok));
      const late = setTimeout(() => proc.kill("SIGKILL"), 20_000);
      await gone;
      clearTimeout(late);
    }
    cleanUp(dbPrefix, cachePrefix);
    rmSync(state, { recursive: true, force: true });
  };

  const started = Date.now();
  process.stdout.write(`e2e: starting mall dev on ${baseURL} (databases ${dbPrefix}*) `);
  while (!(await serving(baseURL))) {
    if (exited !== null) {
      // The Temporal dev server's own log is in the state folder stop removes.
      const temporalLog = join(state, "temporal.log");
      if (existsSync(temporalLog)) copyFileSync(temporalLog, join(artifacts, logName.replace("mall-dev", "temporal")));
      await stop();
      throw new ExitedAtStart(`mall dev exited (${JSON.stringify(exited)}); see ${join(artifacts, logName)}`);
    }
    if (Date.now() - started > 180_000) {
      await stop();
      throw new Error("mall dev did not answer within 3 minutes");
    }
    process.stdout.write(".");
    await new Promise((r) => setTimeout(r, 1000));
  }
  console.log(` up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { baseURL, stop };
}

// cleanUp drops the run's databases and Valkey keys; a failure here is
// reported but does not fail the run.
function cleanUp(dbPrefix, cachePrefix) {
  try {
    const dbs = execFileSync("mariadb", ["-uroot", "-h127.0.0.1", "-N", "-e", `SHOW DATABASES LIKE '${dbPrefix}%'`], {
      encoding: "utf8",
    })
      .split("\n")
      .filter(Boolean);
    if (dbs.length > 0) {
      execFileSync("mariadb", ["-uroot", "-h127.0.0.1", "-e", dbs.map((d) => `DROP DATABASE \`${d}\`;`).join(" ")]);
    }
    const keys = execFileSync("redis-cli", ["--scan", "--pattern", `${cachePrefix}*`], { encoding: "utf8" })
      .split("\n")
      .filter(Boolean);
    for (let i = 0; i < keys.length; i += 500) execFileSync("redis-cli", ["DEL", ...keys.slice(i, i + 500)]);
  } catch (err) {
    console.warn(`e2e: clean-up of ${dbPrefix}* / ${cachePrefix}* failed: ${err.message}`);
  }
}
