import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { gunzipSync } from "node:zlib";
import type { BackupVolumeInfo } from "../../src/backup/volume-info.js";
import type { VolumeSnapshot } from "../../src/api/csi-snapshots.js";
import { ClusterLayout } from "../../src/local-cluster/layout.js";
import { clusterDir, jsonOf, kubectl, testNamespace, waitUntil } from "./support.js";
import { storageDir, velero } from "./velero.js";
import { backupToEnd, boundVolume, id, locationJson, storage } from "./volumes.js";

/** A bound claim in ns holding state.txt with `content`; returns its PV's name. */
async function claimWithFile(ns: string, content: string): Promise<string> {
  await kubectl(
    ["apply", "-n", ns, "-f", "-"],
    `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, labels: {app: web}}
spec: {storageClassName: standard-immediate, accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
`,
  );
  const pv = await waitUntil("the claim to bind", 30_000, async () => {
    const name = (
      await kubectl(["get", "pvc", "data", "-n", ns, "-o", "jsonpath={.spec.volumeName}"])
    ).trim();
    return name || undefined;
  });
  const handle = (await kubectl(["get", "pv", pv, "-o", "jsonpath={.spec.csi.volumeHandle}"])).trim();
  await fs.writeFile(path.join(storage().volumeDataPath(handle), "state.txt"), content);
  return pv;
}

const volumeInfo = (backup: string) =>
  locationJson<BackupVolumeInfo[]>("backups", backup, `${backup}-volumeinfo.json.gz`);

test("a backup takes a CSI snapshot of a bound claim: the snapshot holds the data of backup time", async (t) => {
  const ns = await testNamespace(t, "csib");
  const pv = await claimWithFile(ns, "at backup time");
  const name = `csi-${Math.random().toString(36).slice(2, 8)}`;
  const created = await velero(["backup", "create", name, "--include-namespaces", ns, "--wait"]);
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /Backup completed with status: Completed/);

  const [entry] = await volumeInfo(name);
  assert.equal(entry?.backupMethod, "CSISnapshot");
  assert.equal(entry?.pvName, pv);
  assert.equal(entry?.csiSnapshotInfo?.driver, "local.csi.velero-ts.io");
  assert.equal(entry?.csiSnapshotInfo?.ReadyToUse, true);
  const handle = entry.csiSnapshotInfo.snapshotHandle;
  const snapshotDir = path.join(new ClusterLayout(clusterDir()).blockStorageDir, "snapshots", handle, "data");
  assert.equal(await fs.readFile(path.join(snapshotDir, "state.txt"), "utf8"), "at backup time");

  const snapshots = JSON.parse(
    gunzipSync(
      await fs.readFile(path.join(storageDir(), "backups", name, `${name}-csi-volumesnapshots.json.gz`)),
    ).toString(),
  ) as VolumeSnapshot[];
  assert.equal(snapshots.length, 1);
  assert.match(snapshots[0]!.metadata!.name!, /^velero-data-/);
  assert.equal(snapshots[0]!.metadata!.labels?.["velero.io/backup-name"], name);
  assert.equal(snapshots[0]!.metadata!.annotations?.["velero.io/csi-volumesnapshot-handle"], handle);
  const pvc = await jsonOf<{ metadata: { labels?: Record<string, string> } }>([
    "get",
    "pvc",
    "data",
    "-n",
    ns,
    "-o",
    "json",
  ]);
  assert.equal(
    pvc.metadata.labels?.["velero.io/volume-snapshot-name"],
    undefined,
    "the claim in the cluster is untouched",
  );
});

test("--snapshot-volumes=false takes no snapshot: the volume is skipped, saying why", async (t) => {
  const ns = await testNamespace(t, "csioff");
  await claimWithFile(ns, "x");
  const name = `csioff-${Math.random().toString(36).slice(2, 8)}`;
  const created = await velero([
    "backup",
    "create",
    name,
    "--include-namespaces",
    ns,
    "--snapshot-volumes=false",
    "--wait",
  ]);
  assert.equal(created.code, 0, created.stderr);
  const [entry] = await volumeInfo(name);
  assert.equal(entry?.skipped, true);
  assert.equal(
    entry?.skippedReason,
    "volume snapshots are turned off for this backup (snapshotVolumes: false)",
  );
  const snapshots = await kubectl(["get", "volumesnapshots", "-n", ns, "-o", "name"]);
  assert.equal(snapshots.trim(), "");
});

/** The backup's snapshot handle and content name, from its volume info. */
async function takenSnapshot(backup: string): Promise<{ handle: string; content: string }> {
  const [entry] = await volumeInfo(backup);
  return { handle: entry!.csiSnapshotInfo!.snapshotHandle, content: entry!.csiSnapshotInfo!.vscName };
}

async function deleteBackup(name: string): Promise<void> {
  const run = await velero(["backup", "delete", name, "--confirm"]);
  assert.equal(run.code, 0, run.stderr);
  await waitUntil(`backup ${name} to be deleted`, 60_000, async () =>
    (await kubectl(["get", "backups.velero.io", "-n", "velero", "-o", "name"])).includes(`/${name}\n`)
      ? undefined
      : true,
  );
}

test("after the backup the snapshot is kept under Retain without its VolumeSnapshot; backup delete deletes it", async (t) => {
  const ns = await testNamespace(t, "csidel");
  await claimWithFile(ns, "x");
  const name = `csidel-${Math.random().toString(36).slice(2, 8)}`;
  assert.equal((await velero(["backup", "create", name, "--include-namespaces", ns, "--wait"])).code, 0);
  const { handle, content } = await takenSnapshot(name);
  assert.equal((await kubectl(["get", "volumesnapshots", "-n", ns, "-o", "name"])).trim(), "");
  assert.equal(
    (
      await kubectl(["get", "volumesnapshotcontent", content, "-o", "jsonpath={.spec.deletionPolicy}"])
    ).trim(),
    "Retain",
  );

  await deleteBackup(name);
  await waitUntil("the snapshot to be deleted from the storage", 30_000, async () =>
    (await storage().getSnapshot(handle)) ? undefined : true,
  );
  const contents = await kubectl(["get", "volumesnapshotcontents", "-o", "name"]);
  assert.doesNotMatch(contents, new RegExp(content));
});

test("backup delete deletes the snapshot even when its content was removed from the cluster", async (t) => {
  const ns = await testNamespace(t, "csidel2");
  await claimWithFile(ns, "x");
  const name = `csidel2-${Math.random().toString(36).slice(2, 8)}`;
  assert.equal((await velero(["backup", "create", name, "--include-namespaces", ns, "--wait"])).code, 0);
  const { handle, content } = await takenSnapshot(name);
  await kubectl(["delete", "volumesnapshotcontent", content]);
  assert.notEqual(
    await storage().getSnapshot(handle),
    undefined,
    "a Retain content's deletion keeps the snapshot",
  );

  await deleteBackup(name);
  await waitUntil("the snapshot to be deleted from the storage", 30_000, async () =>
    (await storage().getSnapshot(handle)) ? undefined : true,
  );
});

test("a snapshot that is not ready within --csi-snapshot-timeout fails its claim alone, and its VolumeSnapshot is deleted", async (t) => {
  const ns = await testNamespace(t, "csitime");
  await claimWithFile(ns, "healthy");
  // A claim bound to a CSI volume whose disk does not exist: the driver can never snapshot it.
  const lostPv = `lost-${id()}`;
  await kubectl(
    ["apply", "-f", "-"],
    `apiVersion: v1
kind: PersistentVolume
metadata: {name: ${lostPv}}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: standard-immediate
  claimRef: {namespace: ${ns}, name: lost}
  csi: {driver: local.csi.velero-ts.io, volumeHandle: no-such-disk-${lostPv}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: lost, namespace: ${ns}}
spec: {storageClassName: standard-immediate, volumeName: ${lostPv}, accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
`,
  );
  t.after(() => kubectl(["delete", "pv", lostPv, "--wait=false"]).catch(() => undefined));
  await boundVolume(ns, "lost");

  const { name, stdout } = await backupToEnd(ns, "--csi-snapshot-timeout", "3s");
  assert.match(stdout, /Backup completed with status: PartiallyFailed/);

  const info = await volumeInfo(name);
  const lost = info.find((v) => v.pvcName === "lost");
  assert.equal(lost?.skipped, true);
  assert.match(lost?.skippedReason ?? "", /was not ready to use within csiSnapshotTimeout 3s: raise it/);
  assert.equal(info.find((v) => v.pvcName === "data")?.backupMethod, "CSISnapshot");
  const results = await locationJson<{ errors: { namespaces?: Record<string, string[]> } }>(
    "backups",
    name,
    `${name}-results.gz`,
  );
  assert.deepEqual(
    (results.errors.namespaces?.[ns] ?? []).map((e) => e.replace(/VolumeSnapshot \S+/, "VolumeSnapshot X")),
    [
      `error taking a CSI snapshot of persistent volume claim ${ns}/lost: VolumeSnapshot X was not ready to use within csiSnapshotTimeout 3s: raise it (backup create --csi-snapshot-timeout) or check the CSI driver's snapshotter`,
    ],
  );
  const left = await jsonOf<{ items: VolumeSnapshot[] }>(["get", "volumesnapshots", "-n", ns, "-o", "json"]);
  assert.deepEqual(
    left.items.map((s) => s.metadata?.name),
    [],
    "the snapshot that timed out is deleted, and the good one is released",
  );
});
