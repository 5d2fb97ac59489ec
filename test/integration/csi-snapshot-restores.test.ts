import assert from "node:assert/strict";
import { test } from "node:test";
import type { VolumeSnapshot, VolumeSnapshotContent } from "../../src/api/csi-snapshots.js";
import type { BackupVolumeInfo } from "../../src/backup/volume-info.js";
import type { RestoreVolumeInfo } from "../../src/restore/volume-info.js";
import { jsonOf, kubectl, testNamespace, waitAvailable, waitUntil } from "./support.js";
import { restoreFiles } from "./velero.js";
import {
  appReads,
  appWithClaim,
  appWrites,
  boundVolume,
  claimDisk,
  locationJson,
  restoreToEnd,
  storage,
  volumeBackup,
} from "./volumes.js";

test("a restore into a mapped namespace gives the clone its own disk with the data at backup time", async (t) => {
  const ns = await testNamespace(t, "csir");
  const clone = `${ns}-clone`;
  t.after(() => kubectl(["delete", "ns", clone, "--wait=false", "--ignore-not-found"]));
  await appWithClaim(ns);
  await appWrites(ns, "state.txt", "at backup time");
  const backup = await volumeBackup(ns);
  await appWrites(ns, "state.txt", "changed after the backup");

  const { name, stdout } = await restoreToEnd(backup, "--namespace-mappings", `${ns}:${clone}`);
  assert.match(stdout, /Restore completed with status: Completed/);
  await waitAvailable(clone, "app");
  assert.equal(await appReads(clone, "state.txt"), "at backup time");
  assert.equal(await appReads(ns, "state.txt"), "changed after the backup");
  assert.notEqual(
    await claimDisk(clone, "data"),
    await claimDisk(ns, "data"),
    "the clone has a disk of its own",
  );

  const pvc = await jsonOf<{ spec: { dataSource?: { kind: string; name: string } } }>([
    "get",
    "pvc",
    "data",
    "-n",
    clone,
  ]);
  assert.equal(pvc.spec.dataSource?.kind, "VolumeSnapshot");
  assert.match(pvc.spec.dataSource.name, /^[0-9a-f]{64}$/);
  const vs = await jsonOf<VolumeSnapshot>(["get", "volumesnapshot", pvc.spec.dataSource.name, "-n", clone]);
  assert.equal(vs.spec?.source?.volumeSnapshotContentName, pvc.spec.dataSource.name);
  const vsc = await jsonOf<VolumeSnapshotContent>(["get", "volumesnapshotcontent", pvc.spec.dataSource.name]);
  assert.equal(vsc.spec?.deletionPolicy, "Retain");
  const [backedUp] = await locationJson<BackupVolumeInfo[]>(
    "backups",
    backup,
    `${backup}-volumeinfo.json.gz`,
  );
  assert.equal(vsc.spec?.source?.snapshotHandle, backedUp?.csiSnapshotInfo?.snapshotHandle);

  const volumes = await locationJson<RestoreVolumeInfo[]>("restores", name, `${name}-volumeinfo.json.gz`);
  assert.deepEqual(volumes, [
    {
      pvcName: "data",
      pvcNamespace: clone,
      pvName: await boundVolume(clone, "data"),
      restoreMethod: "CSISnapshot",
      snapshotDataMoved: false,
      csiSnapshotInfo: {
        snapshotHandle: backedUp!.csiSnapshotInfo!.snapshotHandle,
        size: backedUp!.csiSnapshotInfo!.size,
        driver: "local.csi.velero-ts.io",
        vscName: pvc.spec.dataSource.name,
      },
    },
  ]);
});

test("a restore in place after the namespace is deleted brings back the data at backup time", async (t) => {
  const ns = await testNamespace(t, "csirin");
  await appWithClaim(ns);
  await appWrites(ns, "state.txt", "at backup time");
  const backup = await volumeBackup(ns);
  await kubectl(["delete", "ns", ns, "--wait=true", "--timeout=120s"]);

  const { stdout } = await restoreToEnd(backup);
  assert.match(stdout, /Restore completed with status: Completed/);
  await waitAvailable(ns, "app");
  assert.equal(await appReads(ns, "state.txt"), "at backup time");
});

test("a snapshot deleted out of band fails its volume alone, and what the restore made for it is removed", async (t) => {
  const ns = await testNamespace(t, "csirgone");
  const clone = `${ns}-clone`;
  t.after(() => kubectl(["delete", "ns", clone, "--wait=false", "--ignore-not-found"]));
  await appWithClaim(ns);
  await kubectl(["create", "configmap", "settings", "-n", ns, "--from-literal=mode=on"]);
  const backup = await volumeBackup(ns);
  const [backedUp] = await locationJson<BackupVolumeInfo[]>(
    "backups",
    backup,
    `${backup}-volumeinfo.json.gz`,
  );
  await storage().deleteSnapshot(backedUp!.csiSnapshotInfo!.snapshotHandle);

  const { name, stdout } = await restoreToEnd(backup, "--namespace-mappings", `${ns}:${clone}`);
  assert.match(stdout, /Restore completed with status: PartiallyFailed/);
  const { results } = await restoreFiles(name);
  const errors = results.errors.namespaces?.[clone] ?? [];
  assert.equal(errors.length, 1, JSON.stringify(results.errors));
  assert.match(
    errors[0]!,
    new RegExp(
      `VolumeSnapshot ${clone}/[0-9a-f]{64} \\(snapshot ${backedUp!.csiSnapshotInfo!.snapshotHandle}\\) cannot be restored: snapshot .* does not exist.*claim ${clone}/data, which waited for it,.*deleted`,
    ),
  );
  assert.equal(
    (await kubectl(["get", "configmap", "settings", "-n", clone, "-o", "name"])).trim(),
    "configmap/settings",
  );
  for (const kind of ["volumesnapshots", "persistentvolumeclaims"]) {
    await waitUntil(`no ${kind} left in ${clone}`, 30_000, async () =>
      (await kubectl(["get", kind, "-n", clone, "-o", "name"])).trim() === "" ? true : undefined,
    );
  }
  const contents = await kubectl([
    "get",
    "volumesnapshotcontents",
    "-o",
    "jsonpath={.items[*].spec.volumeSnapshotRef.namespace}",
  ]);
  assert.doesNotMatch(contents, new RegExp(clone));
  const volumes = await locationJson<RestoreVolumeInfo[]>("restores", name, `${name}-volumeinfo.json.gz`);
  assert.deepEqual(volumes, []);
});
