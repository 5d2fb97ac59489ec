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
import { locationJson, storage } from "./volumes.js";

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
