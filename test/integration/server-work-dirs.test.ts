// A server killed with kill -9 mid-restore cannot clean up; the next one to start does.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { id } from "./restores.js";
import { kubeconfigPath } from "./support.js";

const DIST = fileURLToPath(new URL("../../", import.meta.url));
const BIN = fileURLToPath(new URL("../../../bin/velero-ts.js", import.meta.url));

/** A process that opens a restore's spool (one on disk) and log, as a server does mid-restore, then idles. */
function holdWorkDirs(tmp: string): ChildProcess {
  const script = `
    const { ItemSpool } = await import(${JSON.stringify(path.join(DIST, "src/restore/item-spool.js"))});
    const { OperationLog } = await import(${JSON.stringify(path.join(DIST, "src/logs/operation-log.js"))});
    const spool = await ItemSpool.create({ memoryBytes: 0 });
    await spool.append(Buffer.alloc(2 * 2 ** 20, "x")); // past its memory and its write buffer: on disk
    await OperationLog.create("r1", {});
    console.log("ready");
    setInterval(() => {}, 1000);`;
  return spawn(process.execPath, ["--input-type=module", "-e", script], {
    env: { ...process.env, TMPDIR: tmp },
    stdio: ["ignore", "pipe", "inherit"],
  });
}

async function lineMatching(child: ChildProcess, pattern: RegExp): Promise<string> {
  for await (const line of createInterface({ input: child.stdout! })) {
    if (pattern.test(line)) return line;
  }
  throw new Error(`the process ended before printing ${pattern}`);
}

test("a starting server removes the work directories a killed one left, and keeps a running one's", async (t) => {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), "work-dirs-"));
  const killed = holdWorkDirs(tmp);
  await lineMatching(killed, /^ready$/);
  const left = await fs.readdir(tmp);
  assert.deepEqual(
    left.map((d) => d.replace(/-\d+-\w{6}$/, "")),
    ["velero-ts-log", "velero-ts-restore"],
    "the spool and the log each have a directory",
  );
  killed.kill("SIGKILL");
  await once(killed, "exit");

  const running = holdWorkDirs(tmp);
  t.after(() => running.kill("SIGKILL"));
  await lineMatching(running, /^ready$/);
  const runningDirs = (await fs.readdir(tmp)).filter((d) => !left.includes(d));

  // In a namespace of its own, so it leaves the test cluster's server and its resources alone.
  const server = spawn(
    process.execPath,
    [BIN, "server", `--kubeconfig=${kubeconfigPath()}`, `--namespace=work-dirs-${id()}`],
    { env: { ...process.env, TMPDIR: tmp }, stdio: ["ignore", "pipe", "inherit"] },
  );
  t.after(() => server.kill("SIGKILL"));
  const removedLine = await lineMatching(server, /removed temporary directories/);
  await lineMatching(server, /server started/);

  assert.deepEqual(
    ((JSON.parse(removedLine) as { removed: string[] }).removed ?? []).map((p) => path.basename(p)).sort(),
    left.sort(),
  );
  assert.deepEqual((await fs.readdir(tmp)).sort(), runningDirs.sort());
  await fs.rm(tmp, { recursive: true, force: true });
});
