import assert from "node:assert/strict";
import { test } from "node:test";
import type { BackupVolumeInfo } from "../../src/backup/volume-info.js";
import type { RestoreVolumeInfo } from "../../src/restore/volume-info.js";
import type { NativeVolumeSnapshot } from "../../src/volumes/native-snapshots.js";
import { clusterDir, jsonOf, kubectl, testNamespace, waitAvailable, waitUntil } from "./support.js";
import { restoreFiles, velero } from "./velero.js";
import {
  snapshotLocation,
  appReads,
  appWithClaim,
  appWrites,
  boundVolume,
  claimDisk,
  locationJson,
  id,
  restoreToEnd,
  storage,
  volumeBackup,
} from "./volumes.js";

test("a native snapshot restores into a mapped namespace as a clone: a renamed PV on a disk of its own", async (t) => {
  const location = await snapshotLocation(t);
  const ns = await testNamespace(t, "nat");
  const clone = `${ns}-clone`;
  t.after(() => kubectl(["delete", "ns", clone, "--wait=false", "--ignore-not-found"]));
  await appWithClaim(ns);
  await appWrites(ns, "state.txt", "at backup time");
  const pv = await boundVolume(ns, "data");
  // Retain, so the PV's name stays taken by the original while the clone is restored.
  await kubectl(["patch", "pv", pv, "-p", '{"spec":{"persistentVolumeReclaimPolicy":"Retain"}}']);
  t.after(() => kubectl(["delete", "pv", pv, "--wait=false", "--ignore-not-found"]));
  const backup = await volumeBackup(ns, "--volume-snapshot-locations", location);
  await appWrites(ns, "state.txt", "changed after the backup");

  const [entry] = await locationJson<BackupVolumeInfo[]>("backups", backup, `${backup}-volumeinfo.json.gz`);
  assert.equal(entry?.backupMethod, "NativeSnapshot");
  assert.equal(entry?.nativeSnapshotInfo?.volumeType, "local-disk");
  const [snapshot] = await locationJson<NativeVolumeSnapshot[]>(
    "backups",
    backup,
    `${backup}-volumesnapshots.json.gz`,
  );
  assert.equal(snapshot?.spec.persistentVolumeName, pv);
  assert.equal(snapshot?.spec.location, location);
  assert.equal(snapshot?.status.phase, "Completed");
  assert.equal(snapshot?.status.providerSnapshotID, entry?.nativeSnapshotInfo?.snapshotHandle);
  assert.equal(
    (await kubectl(["get", "volumesnapshots", "-n", ns, "-o", "name"])).trim(),
    "",
    "a native snapshot takes no CSI snapshot",
  );

  const { name, stdout } = await restoreToEnd(backup, "--namespace-mappings", `${ns}:${clone}`);
  assert.match(stdout, /Restore completed with status: Completed/);
  await waitAvailable(clone, "app");
  const clonePv = await boundVolume(clone, "data");
  assert.match(clonePv, /^velero-clone-[0-9a-f-]{36}$/);
  const restoredPv = await jsonOf<{ metadata: { annotations?: Record<string, string> } }>([
    "get",
    "pv",
    clonePv,
  ]);
  assert.equal(restoredPv.metadata.annotations?.["velero.io/original-pv-name"], pv);
  assert.equal(await appReads(clone, "state.txt"), "at backup time");
  assert.equal(await appReads(ns, "state.txt"), "changed after the backup");
  assert.notEqual(await claimDisk(clone, "data"), await claimDisk(ns, "data"));

  const volumes = await locationJson<RestoreVolumeInfo[]>("restores", name, `${name}-volumeinfo.json.gz`);
  assert.deepEqual(volumes, [
    {
      pvcName: "data",
      pvcNamespace: clone,
      pvName: clonePv,
      restoreMethod: "NativeSnapshot",
      snapshotDataMoved: false,
      nativeSnapshotInfo: {
        snapshotHandle: snapshot.status.providerSnapshotID,
        volumeType: "local-disk",
        volumeAZ: "",
        iops: "",
        Phase: "Completed",
      },
    },
  ]);
  const described = await velero(["backup", "describe", backup, "--details"]);
  assert.match(
    described.stdout,
    new RegExp(
      `Velero-Native Snapshots:\n    ${pv}:\n      Snapshot ID:        ${snapshot.status.providerSnapshotID}\n`,
    ),
  );
});

test("a native snapshot restores in place after the namespace is deleted; backup delete deletes the snapshot", async (t) => {
  const location = await snapshotLocation(t);
  const ns = await testNamespace(t, "natin");
  await appWithClaim(ns);
  await appWrites(ns, "state.txt", "at backup time");
  const backup = await volumeBackup(ns, "--volume-snapshot-locations", location);
  await kubectl(["delete", "ns", ns, "--wait=true", "--timeout=120s"]);

  assert.match((await restoreToEnd(backup)).stdout, /Restore completed with status: Completed/);
  await waitAvailable(ns, "app");
  assert.equal(await appReads(ns, "state.txt"), "at backup time");

  const [snapshot] = await locationJson<NativeVolumeSnapshot[]>(
    "backups",
    backup,
    `${backup}-volumesnapshots.json.gz`,
  );
  const snapshotId = snapshot!.status.providerSnapshotID!;
  assert.notEqual(await storage().getSnapshot(snapshotId), undefined);
  assert.equal((await velero(["backup", "delete", backup, "--confirm"])).code, 0);
  await waitUntil("the native snapshot to be deleted", 60_000, async () =>
    (await storage().getSnapshot(snapshotId)) ? undefined : true,
  );
});

/** A backup of `default` naming `location`, which must end FailedValidation: its validation errors. */
async function refusedBackup(location: string): Promise<string[] | undefined> {
  const name = `natbad-${id()}`;
  const run = await velero([
    "backup",
    "create",
    name,
    "--include-namespaces",
    "default",
    "--volume-snapshot-locations",
    location,
    "--wait",
  ]);
  assert.match(run.stdout + run.stderr, /FailedValidation/);
  const backup = await jsonOf<{ status: { validationErrors?: string[] } }>([
    "get",
    "backups.velero.io",
    name,
    "-n",
    "velero",
  ]);
  return backup.status.validationErrors;
}

test("a backup naming a snapshot location that does not exist fails validation, saying what to create", async () => {
  assert.deepEqual(await refusedBackup("nowhere"), [
    "a VolumeSnapshotLocation CRD with the name nowhere specified in the backup spec needs to be created before this snapshot can be executed (velero-ts snapshot-location create nowhere --provider ...)",
  ]);
});

test("a snapshot location made with kubectl for a provider velero-ts has no snapshotter for fails the backup's validation, naming the providers it has", async (t) => {
  const name = `gcp-${id()}`;
  const location = {
    apiVersion: "velero.io/v1",
    kind: "VolumeSnapshotLocation",
    metadata: { name, namespace: "velero" },
    spec: { provider: "velero.io/gcp", config: { project: "p1" } },
  };
  await kubectl(["apply", "-f", "-"], JSON.stringify(location));
  t.after(() => kubectl(["delete", "volumesnapshotlocations.velero.io", name, "-n", "velero"]));
  assert.deepEqual(await refusedBackup(name), [
    `volume snapshot location ${name} has provider "velero.io/gcp", which velero-ts has no volume snapshotter for: use one of local-cluster`,
  ]);
});

test("a native snapshot deleted out of band fails its volume alone, naming it", async (t) => {
  const location = await snapshotLocation(t);
  const ns = await testNamespace(t, "natgone");
  const clone = `${ns}-clone`;
  t.after(() => kubectl(["delete", "ns", clone, "--wait=false", "--ignore-not-found"]));
  await appWithClaim(ns);
  await kubectl(["create", "configmap", "settings", "-n", ns, "--from-literal=mode=on"]);
  const backup = await volumeBackup(ns, "--volume-snapshot-locations", location);
  const [snapshot] = await locationJson<NativeVolumeSnapshot[]>(
    "backups",
    backup,
    `${backup}-volumesnapshots.json.gz`,
  );
  await storage().deleteSnapshot(snapshot!.status.providerSnapshotID!);

  const { name, stdout } = await restoreToEnd(backup, "--namespace-mappings", `${ns}:${clone}`);
  assert.match(stdout, /Restore completed with status: PartiallyFailed/);
  const { results } = await restoreFiles(name);
  const pv = snapshot!.spec.persistentVolumeName;
  const errors = results.errors.cluster ?? [];
  assert.equal(errors.length, 1, JSON.stringify(results.errors));
  assert.equal(
    errors[0]!.replace(/velero-clone-[0-9a-f-]{36}/, "<clone>"),
    `error restoring persistentvolumes/<clone>: could not make a disk from native snapshot ${snapshot!.status.providerSnapshotID} of volume ${pv}: snapshot ${snapshot!.status.providerSnapshotID} does not exist in the block storage of ${clusterDir()}; the volume is not restored and its claim stays Pending: restore the claim from another backup`,
  );

  assert.equal(
    (await kubectl(["get", "configmap", "settings", "-n", clone, "-o", "name"])).trim(),
    "configmap/settings",
  );
});
