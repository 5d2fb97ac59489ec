import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promises as fs } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { COMPONENTS, ClusterLayout, nodeAgentComponent } from "../../src/local-cluster/layout.js";
import { freePort } from "../../src/local-cluster/ports.js";
import { isAlive, runningPid } from "../../src/local-cluster/processes.js";
import { waitUntil } from "./support.js";
import { storageDir, velero } from "./velero.js";
import { runCli } from "../cli.js";

const run = promisify(execFile);

const cli = runCli;

/** The processes of a one-node cluster with velero-ts installed, in start order. */
const ONE_NODE = [...COMPONENTS, nodeAgentComponent("local-node-1")];

async function pids(layout: ClusterLayout): Promise<(number | undefined)[]> {
  return Promise.all(ONE_NODE.map((c) => runningPid(layout, c)));
}

test("up, up again, status, a crash, recovery and down: a second cluster's whole life", async (t) => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "lc-life-"));
  const layout = new ClusterLayout(dir);
  t.after(() => cli(["local-cluster", "down", "--dir", dir, "--delete-data"]));

  // A backup made on the test run's cluster, in the storage directory this second cluster shares.
  const shared = `shared-${Date.now()}`;
  const made = await velero(["backup", "create", shared, "--include-namespaces", "default", "--wait"]);
  assert.equal(made.code, 0, made.stderr);

  const first = await cli([
    "local-cluster",
    "up",
    "--dir",
    dir,
    "--nodes",
    "1",
    "--storage-dir",
    storageDir(),
  ]);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, new RegExp(`export KUBECONFIG=${layout.kubeconfig}`));
  const started = await pids(layout);
  assert.ok(
    started.every((p) => p !== undefined),
    "every component runs",
  );

  // Backup sync: the other cluster's backup appears here, ready to restore from.
  const synced = await waitUntil(
    "the shared backup to be synced into the second cluster",
    60_000,
    async () => {
      const got = await velero(["backup", "get", shared, "--kubeconfig", layout.kubeconfig], {
        KUBECONFIG: "",
      });
      return got.code === 0 && /Completed/.test(got.stdout);
    },
  );
  assert.ok(synced);

  const again = await cli(["local-cluster", "up", "--dir", dir, "--nodes", "1"]);
  assert.equal(again.code, 0);
  assert.match(again.stdout, /already running/);
  assert.deepEqual(await pids(layout), started, "calling up twice changes nothing");

  const status = await cli(["local-cluster", "status", "--dir", dir]);
  assert.equal(status.code, 0);
  for (const c of ONE_NODE) assert.match(status.stdout, new RegExp(`${c}\\s+running`));

  // Keep something in the cluster to see that a restart keeps the data.
  const kubectl = (args: string[]) => run("kubectl", ["--kubeconfig", layout.kubeconfig, ...args]);
  await kubectl(["create", "namespace", "survivor"]);

  // A crash: the API server and the simulator die without a word.
  process.kill(started[1]!, "SIGKILL");
  process.kill(started[3]!, "SIGKILL");
  await new Promise((r) => setTimeout(r, 500));
  const crashed = await cli(["local-cluster", "status", "--dir", dir]);
  assert.equal(crashed.code, 3, "status says not everything runs");
  assert.match(crashed.stdout, /kube-apiserver\s+stopped/);

  const recovered = await cli(["local-cluster", "up", "--dir", dir, "--nodes", "1"]);
  assert.equal(recovered.code, 0, recovered.stderr);
  assert.match(
    recovered.stderr,
    /left etcd, kube-controller-manager, velero-server, node-agent-local-node-1 running without the rest: stopping them first/,
  );
  assert.ok(
    !(await isAlive(started[0]!)) &&
      !(await isAlive(started[2]!)) &&
      !(await isAlive(started[4]!)) &&
      !(await isAlive(started[5]!)),
    "the survivors of the crash were stopped, not orphaned",
  );
  const { stdout } = await kubectl(["get", "namespace", "survivor", "-o", "name"]);
  assert.equal(stdout.trim(), "namespace/survivor", "the cluster's data survived the crash");

  // down after another crash still stops every process up started.
  const second = await pids(layout);
  process.kill(second[1]!, "SIGKILL");
  const down = await cli(["local-cluster", "down", "--dir", dir]);
  assert.equal(down.code, 0);
  assert.match(
    down.stdout,
    /stopped node-agent-local-node-1, velero-server, node-simulator, kube-controller-manager, etcd/,
  );
  for (const pid of second) assert.equal(await isAlive(pid!), false, `process ${pid} is left behind`);
  await fs.access(path.join(dir, "etcd"));
  await fs.access(layout.kubeconfig);
});

test("up with an API port that is taken says so and leaves nothing running", async (t) => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "lc-port-"));
  const layout = new ClusterLayout(dir);
  const port = await freePort();
  const blocker = net.createServer().listen(port, "127.0.0.1");
  await new Promise((r) => blocker.once("listening", r));
  t.after(() => blocker.close());

  const result = await cli(["local-cluster", "up", "--dir", dir, "--api-port", String(port)]);
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    new RegExp(`port ${port} on 127.0.0.1 is already in use: choose another with --api-port`),
  );
  assert.ok(
    (await pids(layout)).every((p) => p === undefined),
    "nothing was started",
  );
});
