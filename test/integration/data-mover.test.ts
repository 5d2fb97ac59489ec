// The data mover (--snapshot-move-data): a claim's CSI snapshot is uploaded by a node agent with
// kopia into the backup repository of its namespace (DataUpload), and written back into a new
// volume of the restored claim (DataDownload), in place, into a mapped namespace, and when what
// it needs is gone.
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import type { BackupVolumeInfo } from "../../src/backup/volume-info.js";
import type { RestoreVolumeInfo } from "../../src/restore/volume-info.js";
import type { DataDownload, DataUpload } from "../../src/api/v2alpha1/data-movement.js";
import { nodeNames } from "../../src/local-cluster/simulator/nodes.js";
import { readState } from "../../src/local-cluster/state.js";
import { checksumsUnder, kubectl, testNamespace, waitUntil } from "./support.js";
import { restoreFiles, velero } from "./velero.js";
import {
  appReads,
  appWithClaim,
  appWrites,
  appWritesRandom,
  backupToEnd,
  deleteBackup,
  fileInApp,
  id,
  killNodeAgent,
  layout,
  locationJson,
  repositoryKopia,
  restoreToEnd,
  startNodeAgentAgain,
  veleroObjects,
  volumeBackup,
} from "./volumes.js";

const MOVE = "--snapshot-move-data";

const backupVolumeInfo = (backup: string) =>
  locationJson<BackupVolumeInfo[]>("backups", backup, `${backup}-volumeinfo.json.gz`);
const restoreVolumeInfo = (restore: string) =>
  locationJson<RestoreVolumeInfo[]>("restores", restore, `${restore}-volumeinfo.json.gz`);
const dataUploads = (backup: string) =>
  veleroObjects<DataUpload>("datauploads", `velero.io/backup-name=${backup}`);
const dataDownloads = (restore: string) =>
  veleroObjects<DataDownload>("datadownloads", `velero.io/restore-name=${restore}`);

/** The names of what the data mover may leave in the server's namespace: exposer pods, claims and snapshots. */
async function leftInVelero(): Promise<string[]> {
  const out = await kubectl(["get", "pods,pvc,volumesnapshots", "-n", "velero", "-o", "name"]);
  return out.split("\n").filter((l) => l && !l.startsWith("pod/velero") && !l.includes("node-agent"));
}

/** The app's volume directory, its files' checksums, and the claim's PV. */
async function appVolume(ns: string): Promise<{ dir: string; sums: Record<string, string>; pv: string }> {
  const dir = path.dirname(await fileInApp(ns, "state.txt"));
  const pv = (await kubectl(["get", "pvc", "data", "-n", ns, "-o", "jsonpath={.spec.volumeName}"])).trim();
  return { dir, sums: await checksumsUnder(dir), pv };
}

/** A namespace whose app holds state.txt and 4 MiB of random data; backed up with the data mover. */
async function movedBackup(prefix: string, t: Parameters<typeof testNamespace>[0], ...flags: string[]) {
  const ns = await testNamespace(t, prefix);
  await appWithClaim(ns);
  await appWrites(ns, "state.txt", "at backup time\n");
  await appWritesRandom(ns, "blob.bin", 4);
  const before = await appVolume(ns);
  const backup = await volumeBackup(ns, MOVE, ...flags);
  return { ns, backup, before };
}

test("a backup with --snapshot-move-data uploads the claim's snapshot into the repository and keeps no snapshot", async (t) => {
  const { ns, backup, before } = await movedBackup("dmb", t);

  const [du] = await dataUploads(backup);
  assert.equal(du?.status?.phase, "Completed");
  assert.equal(du.spec.sourcePVC, "data");
  assert.equal(du.spec.sourceNamespace, ns);
  const [entry] = await backupVolumeInfo(backup);
  assert.equal(entry?.backupMethod, "CSISnapshot");
  assert.equal(entry.snapshotDataMoved, true);
  assert.equal(entry.pvName, before.pv);
  assert.equal(entry.snapshotDataMovementInfo?.snapshotHandle, du.status.snapshotID);
  assert.equal(
    entry.snapshotDataMovementInfo?.operationID,
    du.metadata.labels?.["velero.io/async-operation-id"],
  );
  assert.equal(entry.snapshotDataMovementInfo?.size, 4 * 2 ** 20 + "at backup time\n".length);
  assert.equal(entry.snapshotDataMovementInfo?.Phase, "Completed");

  // The data is in the repository of the claim's namespace; the backup holds the DataUpload.
  const kopia = await repositoryKopia(t, ns);
  assert.ok((await kopia.snapshotIds()).includes(du.status.snapshotID!));
  const resources = await locationJson<Record<string, string[]>>(
    "backups",
    backup,
    `${backup}-resource-list.json.gz`,
  );
  assert.deepEqual(resources["velero.io/v2alpha1/DataUpload"], [`velero/${du.metadata.name}`]);
  assert.equal(resources["snapshot.storage.k8s.io/v1/VolumeSnapshot"], undefined);

  // No snapshot is left on the storage side, and nothing the exposer made.
  assert.equal(await kubectl(["get", "volumesnapshots", "-n", ns, "-o", "name"]), "");
  const contents = await kubectl(["get", "volumesnapshotcontents", "-o", "name"]);
  assert.doesNotMatch(contents, new RegExp(du.metadata.name!));
  assert.deepEqual(await leftInVelero(), []);
});

test("a restore of moved snapshot data into a mapped namespace gives the clone its own volume with the backed-up data", async (t) => {
  const { ns, backup, before } = await movedBackup("dmr", t);
  await appWrites(ns, "state.txt", "changed after the backup\n");
  const target = `${ns}-clone`;
  t.after(() => kubectl(["delete", "namespace", target, "--wait=false"]).catch(() => undefined));

  const { name, stdout } = await restoreToEnd(backup, "--namespace-mappings", `${ns}:${target}`);
  assert.match(stdout, /Restore completed with status: Completed/);
  await kubectl(["rollout", "status", "deployment/app", "-n", target, "--timeout=120s"]);
  const restored = await appVolume(target);
  assert.deepEqual(restored.sums, before.sums);
  assert.notEqual(restored.pv, before.pv);
  assert.equal(await appReads(ns, "state.txt"), "changed after the backup\n");

  const [dd] = await dataDownloads(name);
  assert.equal(dd?.status?.phase, "Completed");
  assert.equal(dd.spec.targetVolume.namespace, target);
  assert.equal(
    (
      await kubectl(["get", "pv", restored.pv, "-o", "jsonpath={.spec.persistentVolumeReclaimPolicy}"])
    ).trim(),
    "Delete",
  );
  const [info] = await restoreVolumeInfo(name);
  assert.equal(info?.snapshotDataMoved, true);
  assert.equal(info.restoreMethod, "CSISnapshot");
  assert.equal(info.pvName, restored.pv);
  assert.equal(info.snapshotDataMovementInfo?.snapshotHandle, dd.spec.snapshotID);
  const described = await velero(["restore", "describe", name, "--details"]);
  assert.match(described.stdout, new RegExp(`${target}/data:\\n\\s+Data Movement:`));
  assert.deepEqual(await leftInVelero(), []);
});

test("a restore of moved snapshot data in place after the namespace was deleted brings the data back", async (t) => {
  const { ns, backup, before } = await movedBackup("dmi", t);
  await kubectl(["delete", "namespace", ns, "--wait=true", "--timeout=120s"]);

  const { stdout } = await restoreToEnd(backup);
  assert.match(stdout, /Restore completed with status: Completed/);
  await kubectl(["rollout", "status", "deployment/app", "-n", ns, "--timeout=120s"]);
  assert.deepEqual((await appVolume(ns)).sums, before.sums);
});

test("a restore whose moved data is gone from the repository leaves the claim Pending, with an event and the restore's error saying so", async (t) => {
  const { ns, backup } = await movedBackup("dmf", t);
  const [du] = await dataUploads(backup);
  const kopia = await repositoryKopia(t, ns);
  await kopia.deleteSnapshot(du!.status!.snapshotID!);
  const target = `${ns}-lost`;
  t.after(() => kubectl(["delete", "namespace", target, "--wait=false"]).catch(() => undefined));

  const { name, stdout } = await restoreToEnd(backup, "--namespace-mappings", `${ns}:${target}`);
  assert.match(stdout, /Restore completed with status: PartiallyFailed/);
  const { results } = await restoreFiles(name);
  assert.match(
    (results.errors.namespaces?.[target] ?? []).join("\n"),
    /DataDownload .* of claim .*\/data ended Failed: .*the claim stays Pending, bound to no volume/s,
  );
  const claim = (
    await kubectl(["get", "pvc", "data", "-n", target, "-o", "jsonpath={.status.phase} {.spec.volumeName}"])
  ).trim();
  assert.equal(claim, "Pending");
  const events = await kubectl([
    "get",
    "events",
    "-n",
    target,
    "--field-selector",
    "reason=DataDownloadFailed",
    "-o",
    "name",
  ]);
  assert.notEqual(events, "");
  assert.deepEqual(await leftInVelero(), []);
});

/**
 * A bound claim `data` in ns whose storage class is then deleted: the exposer's claim, of the
 * same class, can never be provisioned, so its DataUpload never gets past exposing.
 */
async function claimOfDeletedClass(ns: string): Promise<void> {
  const storageClass = `dm-gone-${id()}`;
  await kubectl(
    ["apply", "-f", "-"],
    `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: ${storageClass}}
provisioner: local.csi.velero-ts.io
volumeBindingMode: Immediate
reclaimPolicy: Delete
`,
  );
  await kubectl(
    ["apply", "-n", ns, "-f", "-"],
    `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec: {storageClassName: ${storageClass}, accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
`,
  );
  await waitUntil("the claim to bind", 30_000, async () =>
    (await kubectl(["get", "pvc", "data", "-n", ns, "-o", "jsonpath={.status.phase}"])).trim() === "Bound"
      ? true
      : undefined,
  );
  // The exposer's claim is of the same class: with the class gone it can never be provisioned.
  await kubectl(["delete", "storageclass", storageClass]);
}

test("a DataUpload whose snapshot cannot be exposed fails alone at the item operation timeout, says what it waited for, and leaves nothing behind", async (t) => {
  const ns = await testNamespace(t, "dmt");
  await claimOfDeletedClass(ns);
  const { name: backup, stdout } = await backupToEnd(ns, MOVE, "--item-operation-timeout", "30s");
  assert.match(stdout, /Backup completed with status: PartiallyFailed/);
  const [du] = await dataUploads(backup);
  const log = await velero(["backup", "logs", backup]);
  assert.match(
    log.stdout,
    new RegExp(
      `Asynchronous action timed out; DataUpload ${du!.metadata.name} of claim ${ns}/data was still Accepted, waiting for claim velero/${du!.metadata.name} to be bound`,
    ),
  );
  await waitUntil("the DataUpload to be canceled", 30_000, async () =>
    (await dataUploads(backup))[0]?.status?.phase === "Canceled" ? true : undefined,
  );
  assert.equal(await kubectl(["get", "volumesnapshots", "-n", ns, "-o", "name"]), "");
  await waitUntil("the exposure to be deleted", 30_000, async () =>
    (await leftInVelero()).length === 0 ? true : undefined,
  );
  const contents = await kubectl(["get", "volumesnapshotcontents", "-o", "name"]);
  assert.doesNotMatch(contents, new RegExp(du!.metadata.name!));
});

test("deleting a backup with moved snapshot data deletes its kopia snapshot from the repository", async (t) => {
  const { ns, backup } = await movedBackup("dmd", t);
  const [du] = await dataUploads(backup);
  const kopia = await repositoryKopia(t, ns);
  assert.ok((await kopia.snapshotIds()).includes(du!.status!.snapshotID!));

  await deleteBackup(backup);
  assert.equal((await kopia.snapshotIds()).includes(du!.status!.snapshotID!), false);
});

test("a DataUpload not exposed within the node agent's --data-mover-prepare-timeout fails with what it waited for, and leaves nothing behind", async (t) => {
  const nodes = nodeNames((await readState(layout()))!.nodes);
  for (const node of nodes) await killNodeAgent(node);
  t.after(async () => {
    for (const node of nodes) await killNodeAgent(node).catch(() => undefined);
    for (const node of nodes) await startNodeAgentAgain(node);
  });
  for (const node of nodes) await startNodeAgentAgain(node, ["--data-mover-prepare-timeout=20s"]);
  const ns = await testNamespace(t, "dmp");
  await claimOfDeletedClass(ns);

  const { name: backup, stdout } = await backupToEnd(ns, MOVE);
  assert.match(stdout, /Backup completed with status: PartiallyFailed/);
  const [du] = await dataUploads(backup);
  assert.equal(du?.status?.phase, "Failed");
  assert.match(
    du.status.message ?? "",
    new RegExp(
      `^timeout on preparing data upload: after 20s still waiting for claim velero/${du.metadata.name} to be bound \\(it is Pending`,
    ),
  );
  const log = await velero(["backup", "logs", backup]);
  assert.match(
    log.stdout,
    new RegExp(
      `DataUpload ${du.metadata.name} of claim ${ns}/data ended Failed: timeout on preparing data upload`,
    ),
  );
  assert.equal(await kubectl(["get", "volumesnapshots", "-n", ns, "-o", "name"]), "");
  assert.deepEqual(await leftInVelero(), []);
});

test("with --preserve-local-snapshot the CSI snapshot is kept as well as its data moved; a restore uses the moved data; backup delete deletes both", async (t) => {
  const { ns, backup, before } = await movedBackup("dmk", t, "--preserve-local-snapshot");
  const [du] = await dataUploads(backup);
  assert.equal(du?.status?.phase, "Completed");
  const [entry] = await backupVolumeInfo(backup);
  assert.equal(entry?.snapshotDataMoved, true);
  assert.equal(entry.preserveLocalSnapshot, true);
  const handle = entry.csiSnapshotInfo!.snapshotHandle;
  const kept = path.join(layout().blockStorageDir, "snapshots", handle, "data", "state.txt");
  assert.equal(await fs.readFile(kept, "utf8"), "at backup time\n");
  const contents = await locationJson<{ metadata: { name: string } }[]>(
    "backups",
    backup,
    `${backup}-csi-volumesnapshotcontents.json.gz`,
  );
  assert.equal(contents.length, 1);
  assert.deepEqual(await leftInVelero(), []);
  assert.doesNotMatch(
    await kubectl(["get", "volumesnapshotcontents", "-o", "name"]),
    new RegExp(du.metadata.name!),
  );

  const target = `${ns}-clone`;
  t.after(() => kubectl(["delete", "namespace", target, "--wait=false"]).catch(() => undefined));
  const { name, stdout } = await restoreToEnd(backup, "--namespace-mappings", `${ns}:${target}`);
  assert.match(stdout, /Restore completed with status: Completed/);
  assert.equal((await dataDownloads(name))[0]?.status?.phase, "Completed");
  await kubectl(["rollout", "status", "deployment/app", "-n", target, "--timeout=120s"]);
  assert.deepEqual((await appVolume(target)).sums, before.sums);

  const kopia = await repositoryKopia(t, ns);
  await deleteBackup(backup);
  await assert.rejects(fs.access(kept));
  assert.equal((await kopia.snapshotIds()).includes(du.status.snapshotID!), false);
});
