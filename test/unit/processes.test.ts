import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { promises as fs } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { ClusterLayout } from "../../src/local-cluster/layout.js";
import { freePort, portInUse } from "../../src/local-cluster/ports.js";
import { runningPid, startComponent, stopComponent } from "../../src/local-cluster/processes.js";

async function tempLayout(): Promise<ClusterLayout> {
  return new ClusterLayout(await fs.mkdtemp(path.join(os.tmpdir(), "lc-proc-")));
}

test("a started component is found by its pid file and stopped", async () => {
  const layout = await tempLayout();
  const pid = await startComponent(layout, "etcd", process.execPath, [
    "-e",
    "setTimeout(() => {}, 300_000)",
    layout.dir,
  ]);
  assert.equal(await runningPid(layout, "etcd"), pid);
  assert.equal(await stopComponent(layout, "etcd"), true);
  assert.equal(await runningPid(layout, "etcd"), undefined);
  assert.equal(await stopComponent(layout, "etcd"), false, "stopping twice is harmless");
});

test("a recorded pid that now belongs to another program is not taken for ours", async () => {
  const layout = await tempLayout();
  const stranger = spawn("sleep", ["300"], { stdio: "ignore" });
  try {
    await fs.mkdir(layout.runDir, { recursive: true });
    await fs.writeFile(layout.pidFile("kube-apiserver"), `${stranger.pid}\n`);
    assert.equal(await runningPid(layout, "kube-apiserver"), undefined);
    assert.equal(await stopComponent(layout, "kube-apiserver"), false);
    assert.equal(stranger.exitCode, null, "the other program still runs");
  } finally {
    stranger.kill();
  }
});

test("a port someone listens on is seen as in use", async () => {
  const port = await freePort();
  assert.equal(await portInUse(port), false);
  const server = net.createServer().listen(port, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  try {
    assert.equal(await portInUse(port), true);
  } finally {
    server.close();
  }
});
