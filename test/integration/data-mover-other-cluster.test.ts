// Disaster recovery with the data mover: a cluster backs up its claim with --snapshot-move-data
// and is then stopped and deleted with its disks and snapshots; the test cluster, which shares
// only the storage location, restores the claim with the same data.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { runCli } from "../cli.js";
import { checksumsUnder, kubectl, waitUntil } from "./support.js";
import { velero } from "./velero.js";
import { APP_WITH_CLAIM, clusterSharingTheLocation, fileInApp, id } from "./volumes.js";

test("a claim backed up with --snapshot-move-data on a cluster that is then deleted is restored with the same data on another cluster", async (t) => {
  const { dir, layout: first, velero: onFirst, kubectl: firstKubectl } = await clusterSharingTheLocation(t);

  const ns = `dmo-${id()}`;
  t.after(() => kubectl(["delete", "namespace", ns, "--wait=false"]).catch(() => undefined));
  await firstKubectl(["create", "namespace", ns]);
  await waitUntil(
    "the first cluster's default service account",
    30_000,
    async () =>
      (await firstKubectl(["get", "serviceaccount", "default", "-n", ns, "-o", "name"]).catch(() => "")) ||
      undefined,
  );
  await firstKubectl(["apply", "-n", ns, "-f", "-"], APP_WITH_CLAIM);
  await firstKubectl(["rollout", "status", "deployment/app", "-n", ns, "--timeout=120s"]);
  const pod = await firstKubectl([
    "get",
    "pods",
    "-n",
    ns,
    "-l",
    "app=web",
    "-o",
    "jsonpath={.items[0].metadata.uid}",
  ]);
  const pv = await firstKubectl(["get", "pvc", "data", "-n", ns, "-o", "jsonpath={.spec.volumeName}"]);
  const volume = path.join(first.podVolumesDir(pod), "kubernetes.io~csi", pv, "mount");
  await fs.writeFile(path.join(volume, "state.txt"), "on the lost cluster\n");
  await fs.writeFile(path.join(volume, "blob.bin"), randomBytes(3 * 2 ** 20));
  const before = await checksumsUnder(volume);

  const backup = `dmo-${id()}`;
  const made = await onFirst([
    "backup",
    "create",
    backup,
    "--include-namespaces",
    ns,
    "--snapshot-move-data",
    "--wait",
  ]);
  assert.match(made.stdout, /Backup completed with status: Completed/, made.stderr);
  // The first cluster goes, with its disks and snapshots: only the storage location is left.
  const down = await runCli(["local-cluster", "down", "--dir", dir, "--delete-data"]);
  assert.equal(down.code, 0, down.stderr);
  await assert.rejects(fs.access(first.blockStorageDir));

  await waitUntil(`backup ${backup} to be synced into the test cluster`, 60_000, async () => {
    const got = await velero(["backup", "get", backup]);
    return got.code === 0 && /Completed/.test(got.stdout);
  });
  const restored = await velero(["restore", "create", `${backup}-dr`, "--from-backup", backup, "--wait"]);
  assert.match(restored.stdout, /Restore completed with status: Completed/, restored.stderr);
  await kubectl(["rollout", "status", "deployment/app", "-n", ns, "--timeout=120s"]);
  assert.deepEqual(await checksumsUnder(path.dirname(await fileInApp(ns, "state.txt"))), before);
});
