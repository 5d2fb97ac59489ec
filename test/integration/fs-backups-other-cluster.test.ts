// Disaster recovery with file-system backup: a second cluster that shares only the storage
// location restores the first cluster's backup, volume data included (its node agent reads the
// kopia repository the first cluster's agents wrote).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { ClusterLayout } from "../../src/local-cluster/layout.js";
import { runCli } from "../cli.js";
import { checksumsUnder, testNamespace, waitUntil } from "./support.js";
import { storageDir, velero } from "./velero.js";
import {
  appWithPodVolumes,
  appWrites,
  appWritesRandom,
  fileInApp,
  FS_OPT_IN,
  volumeBackup,
} from "./volumes.js";

const run = promisify(execFile);

test("a second cluster sharing only the storage location restores a file-system backup with the same data", async (t) => {
  const ns = await testNamespace(t, "fso");
  await appWithPodVolumes(ns, FS_OPT_IN);
  await appWrites(ns, "state.txt", "at backup time\n");
  await appWritesRandom(ns, "blob.bin", 8);
  const volume = path.dirname(await fileInApp(ns, "state.txt"));
  const before = await checksumsUnder(volume);
  const backup = await volumeBackup(ns);

  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "lc-dr-"));
  const other = new ClusterLayout(dir);
  t.after(() => runCli(["local-cluster", "down", "--dir", dir, "--delete-data"]));
  const up = await runCli([
    "local-cluster",
    "up",
    "--dir",
    dir,
    "--nodes",
    "1",
    "--storage-dir",
    storageDir(),
  ]);
  assert.equal(up.code, 0, up.stderr);
  const onOther = (args: string[]) => velero([...args, "--kubeconfig", other.kubeconfig], { KUBECONFIG: "" });
  const kubectl = async (args: string[]) =>
    (await run("kubectl", ["--kubeconfig", other.kubeconfig, ...args])).stdout.trim();
  await waitUntil(`backup ${backup} to be synced into the second cluster`, 60_000, async () => {
    const got = await onOther(["backup", "get", backup]);
    return got.code === 0 && /Completed/.test(got.stdout);
  });

  const restored = await onOther(["restore", "create", `${backup}-dr`, "--from-backup", backup, "--wait"]);
  assert.match(restored.stdout, /Restore completed with status: Completed/, restored.stderr);
  await kubectl(["rollout", "status", "deployment/app", "-n", ns, "--timeout=120s"]);
  const pod = await kubectl([
    "get",
    "pods",
    "-n",
    ns,
    "-l",
    "app=web",
    "-o",
    "jsonpath={.items[0].metadata.uid}",
  ]);
  const pv = await kubectl(["get", "pvc", "data", "-n", ns, "-o", "jsonpath={.spec.volumeName}"]);
  const restoredVolume = path.join(other.podVolumesDir(pod), "kubernetes.io~csi", pv, "mount");
  assert.deepEqual(await checksumsUnder(restoredVolume), before);
});
