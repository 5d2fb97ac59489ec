import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { promises as fs } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { ClusterLayout } from "../../src/local-cluster/layout.js";
import { freePort, portInUse } from "../../src/local-cluster/ports.js";
import { withLock } from "../../src/local-cluster/lock.js";
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

test("a chosen port lies below the kernel's ephemeral range, where no outgoing connection can take it", async () => {
  const range = await fs.readFile("/proc/sys/net/ipv4/ip_local_port_range", "utf8");
  const low = Number(range.trim().split(/\s+/)[0]);
  const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
  assert.deepEqual(
    ports.filter((port) => port >= low),
    [],
  );
});

test("a lock held by a running process refuses a second holder; a dead holder's lock is taken over", async () => {
  const layout = await tempLayout();
  await fs.mkdir(layout.dir, { recursive: true });
  let inside = 0;
  await withLock(layout.lockFile, "`up`", async () => {
    inside++;
    await assert.rejects(
      withLock(layout.lockFile, "`up`", () => Promise.resolve()),
      new RegExp(`another \`up\` \\(pid ${process.pid}\\) is at work on this directory`),
    );
  });
  assert.equal(inside, 1);
  await assert.rejects(fs.access(layout.lockFile), "released after use");

  await fs.writeFile(layout.lockFile, "999999999\n");
  assert.equal(await withLock(layout.lockFile, "`up`", () => Promise.resolve("taken over")), "taken over");
});
