// Data-only restores by replace on local-cluster (the seed's scenarios 2, 5 and 6): each claim's
// backed-up data goes into a new volume, the claim is re-pointed at it, the old volume is kept, and
// `restore rollback` puts it back.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import type { V1PersistentVolume, V1Pod } from "@kubernetes/client-node";
import type { RestoreVolumeInfo } from "../../src/restore/volume-info.js";
import { jsonOf, kubectl, testNamespace, waitAvailable, waitUntil } from "./support.js";
import { restoreFiles, velero } from "./velero.js";
import {
  APP_WITH_CLAIM,
  appWithPodVolumes,
  claimDisk,
  FS_OPT_IN,
  locationJson,
  podVolumeBackups,
  repositoryKopia,
  restoreToEnd,
  snapshotLocation,
  storage,
  volumeBackup,
} from "./volumes.js";

const FILES = ["state.txt", "blob.bin"];

async function writeFiles(ns: string): Promise<Record<string, string>> {
  const disk = await claimDisk(ns, "data");
  await fs.writeFile(path.join(disk, "state.txt"), "at backup time\n");
  await fs.writeFile(path.join(disk, "blob.bin"), randomBytes(2 ** 20));
  return checksums(disk);
}

/** The sha256 of each of FILES in a disk directory ("missing" when it does not hold it). */
async function checksums(disk: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const file of FILES) {
    const bytes = await fs.readFile(path.join(disk, file)).catch(() => undefined);
    out[file] = bytes ? createHash("sha256").update(bytes).digest("hex") : "missing";
  }
  return out;
}

const volumeOf = async (ns: string) =>
  (await kubectl(["get", "pvc", "data", "-n", ns, "-o", "jsonpath={.spec.volumeName}"])).trim();
const pv = (name: string) => jsonOf<V1PersistentVolume>(["get", "pv", name]);
const diskOf = async (name: string) => storage().volumeDataPath((await pv(name)).spec!.csi!.volumeHandle);

async function appPods(ns: string): Promise<string[]> {
  const pods = await jsonOf<{ items: V1Pod[] }>(["get", "pods", "-n", ns, "-l", "app=web"]);
  return pods.items.filter((p) => p.status?.phase === "Running").map((p) => p.metadata!.name!);
}

async function describe(restore: string): Promise<string> {
  const run = await velero(["restore", "describe", restore, "--details"]);
  assert.equal(run.code, 0, run.stderr);
  return run.stdout;
}

test("scenario 2: the app's data goes back to the backup's in a new volume from the CSI snapshot; the old volume is kept, and the rollback puts it back", async (t) => {
  const ns = await testNamespace(t, "dr-csi");
  await appWithPodVolumes(ns, {});
  const atBackup = await writeFiles(ns);
  const backup = await volumeBackup(ns);
  const oldVolume = await volumeOf(ns);
  await fs.writeFile(path.join(await claimDisk(ns, "data"), "state.txt"), "the latest data\n");
  const latest = await checksums(await claimDisk(ns, "data"));
  const [podBefore] = await appPods(ns);

  const { name, stdout } = await restoreToEnd(backup, "--data-only", "--data-only-mode", "replace");
  assert.match(stdout, /Restore completed with status: Completed/);

  const newVolume = await volumeOf(ns);
  assert.notEqual(newVolume, oldVolume);
  assert.deepEqual(await checksums(await diskOf(newVolume)), atBackup);
  const kept = await pv(oldVolume);
  assert.equal(kept.spec?.persistentVolumeReclaimPolicy, "Retain");
  assert.equal(kept.metadata?.labels?.["velero-ts.io/replaced-by-restore"], name);
  assert.deepEqual(await checksums(await diskOf(oldVolume)), latest, "the old volume keeps the latest data");
  assert.equal(
    (await pv(newVolume)).spec?.persistentVolumeReclaimPolicy,
    "Delete",
    "the new volume has the old one's policy",
  );
  await waitAvailable(ns, "app");
  const podsAfter = await appPods(ns);
  assert.equal(podsAfter.length, 1);
  assert.notEqual(podsAfter[0], podBefore, "the pod restarted once, on the new volume");
  const leftovers = await jsonOf<{ items: unknown[] }>([
    "get",
    "pvc,pods,volumesnapshots",
    "-n",
    ns,
    "-l",
    "velero-ts.io/data-restore-claim",
  ]);
  assert.deepEqual(leftovers.items, [], "no temporary claim, pod or snapshot is left");

  const [info] = await locationJson<RestoreVolumeInfo[]>("restores", name, `${name}-volumeinfo.json.gz`);
  assert.equal(info!.restoreMethod, "CSISnapshot");
  assert.equal(info!.pvName, newVolume);
  assert.deepEqual(info!.volumeDataRestoreInfo, {
    mode: "replace",
    backupMethod: "CSISnapshot",
    oldVolume,
    bytes: 2 ** 30,
    newVolume,
    stoppedWorkloads: ["Deployment app (1 replicas)"],
  });
  assert.match(await describe(name), /Rollback: +available \(velero-ts restore rollback\)/);

  const rollback = await velero(["restore", "rollback", name]);
  assert.equal(rollback.code, 0, rollback.stderr);
  assert.match(rollback.stdout, new RegExp(`claim ${ns}/data: bound to its old volume ${oldVolume} again`));
  assert.equal(await volumeOf(ns), oldVolume);
  assert.deepEqual(await checksums(await claimDisk(ns, "data")), latest);
  const restoredOld = await pv(oldVolume);
  assert.equal(restoredOld.spec?.persistentVolumeReclaimPolicy, "Delete");
  assert.equal(restoredOld.metadata?.labels?.["velero-ts.io/replaced-by-restore"], undefined);
  assert.equal((await pv(newVolume)).metadata?.labels?.["velero-ts.io/rolled-back-from-restore"], name);
  await waitAvailable(ns, "app");
  assert.match(
    await describe(name),
    new RegExp(`Rollback: +rolled back: the claim is bound to ${oldVolume} again`),
  );
});

test("scenario 5: a replace moves the data of a file-system backup onto another storage class (--storage-class-mapping)", async (t) => {
  const ns = await testNamespace(t, "dr-migrate");
  await appWithPodVolumes(ns, FS_OPT_IN);
  const atBackup = await writeFiles(ns);
  const backup = await volumeBackup(ns);

  const { name, stdout } = await restoreToEnd(
    backup,
    "--data-only",
    "--data-only-mode",
    "replace",
    "--storage-class-mapping",
    "standard:standard-immediate",
  );
  assert.match(stdout, /Restore completed with status: Completed/);

  const claimClass = (
    await kubectl(["get", "pvc", "data", "-n", ns, "-o", "jsonpath={.spec.storageClassName}"])
  ).trim();
  assert.equal(claimClass, "standard-immediate");
  const newVolume = await volumeOf(ns);
  assert.equal((await pv(newVolume)).spec?.storageClassName, "standard-immediate");
  assert.deepEqual(await checksums(await diskOf(newVolume)), atBackup);
  const [info] = await locationJson<RestoreVolumeInfo[]>("restores", name, `${name}-volumeinfo.json.gz`);
  assert.equal(info!.volumeDataRestoreInfo?.backupMethod, "PodVolumeBackup");
  assert.equal(info!.volumeDataRestoreInfo?.storageClass, "standard-immediate");
  await waitAvailable(ns, "app");

  const oldVolume = info!.volumeDataRestoreInfo?.oldVolume;
  const deleted = await velero(["restore", "delete", name, "--confirm"]);
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.match(
    deleted.stdout,
    new RegExp(`kept volume ${oldVolume}: claim ${ns}/data's data before this restore replaced it`),
  );
  assert.equal(
    (await pv(oldVolume!)).spec?.persistentVolumeReclaimPolicy,
    "Retain",
    "restore delete leaves it",
  );
});

/** APP_WITH_CLAIM with its claim in block mode, which the container sees as a device. */
const BLOCK_APP = APP_WITH_CLAIM.replace(
  "spec: {storageClassName: standard,",
  "spec: {storageClassName: standard, volumeMode: Block,",
).replace(
  "volumeMounts: [{name: data, mountPath: /data}]",
  "volumeDevices: [{name: data, devicePath: /dev/data}]",
);

test("scenario 6: an app deployed again on an empty block-mode volume gets the backed-up device back by replace", async (t) => {
  const ns = await testNamespace(t, "dr-block");
  assert.match(BLOCK_APP, /volumeMode: Block.*\n[^]*volumeDevices/);
  await kubectl(["apply", "-n", ns, "-f", "-"], BLOCK_APP);
  await waitAvailable(ns, "app");
  const device = randomBytes(2 ** 20);
  await fs.writeFile(path.join(await claimDisk(ns, "data"), "device.img"), device);
  const backup = await volumeBackup(ns);
  // The app is lost with its volume and deployed again, on a new, empty block volume.
  await kubectl(["delete", "deployment", "app", "-n", ns, "--wait=true"]);
  await kubectl(["delete", "pvc", "data", "-n", ns, "--wait=true"]);
  await kubectl(["apply", "-n", ns, "-f", "-"], BLOCK_APP);
  await waitAvailable(ns, "app");

  const refused = await velero([
    "restore",
    "create",
    "--from-backup",
    backup,
    "--data-only",
    "--stop-workloads",
    "--dry-run",
  ]);
  assert.match(
    refused.stderr,
    /block-mode volume: in-place restore writes files, .*use --data-only-mode replace/,
  );

  const { stdout } = await restoreToEnd(backup, "--data-only", "--data-only-mode", "replace");
  assert.match(stdout, /Restore completed with status: Completed/);
  const restored = await fs.readFile(path.join(await claimDisk(ns, "data"), "device.img"));
  assert.equal(
    createHash("sha256").update(restored).digest("hex"),
    createHash("sha256").update(device).digest("hex"),
  );
  assert.equal(
    (await kubectl(["get", "pvc", "data", "-n", ns, "-o", "jsonpath={.spec.volumeMode}"])).trim(),
    "Block",
  );
  await waitAvailable(ns, "app");
});

test("a replace restores from a native snapshot onto a new disk of the location's provider", async (t) => {
  const location = await snapshotLocation(t);
  const ns = await testNamespace(t, "dr-native");
  await appWithPodVolumes(ns, {});
  const atBackup = await writeFiles(ns);
  const backup = await volumeBackup(
    ns,
    "--volume-snapshot-locations",
    location,
    "--snapshot-move-data=false",
  );
  const oldVolume = await volumeOf(ns);
  const oldHandle = (await pv(oldVolume)).spec?.csi?.volumeHandle;
  await fs.writeFile(path.join(await claimDisk(ns, "data"), "state.txt"), "the latest data\n");

  const { name, stdout } = await restoreToEnd(backup, "--data-only", "--data-only-mode", "replace");
  assert.match(stdout, /Restore completed with status: Completed/);

  const newVolume = await volumeOf(ns);
  assert.match(newVolume, /^velero-replace-/);
  assert.notEqual((await pv(newVolume)).spec?.csi?.volumeHandle, oldHandle, "a disk of its own");
  assert.deepEqual(await checksums(await diskOf(newVolume)), atBackup);
  const [info] = await locationJson<RestoreVolumeInfo[]>("restores", name, `${name}-volumeinfo.json.gz`);
  assert.equal(info!.restoreMethod, "NativeSnapshot");
  await waitAvailable(ns, "app");
});

test("a replace whose new volume cannot be made changes nothing in the application, and says so", async (t) => {
  const ns = await testNamespace(t, "dr-fails");
  await appWithPodVolumes(ns, FS_OPT_IN);
  await writeFiles(ns);
  const backup = await volumeBackup(ns);
  const [pvb] = await podVolumeBackups(backup);
  const kopia = await repositoryKopia(t, ns);
  await kopia.deleteSnapshot(pvb!.status!.snapshotID!);
  const oldVolume = await volumeOf(ns);
  const [podBefore] = await appPods(ns);

  const { name, stdout } = await restoreToEnd(backup, "--data-only", "--data-only-mode", "replace");
  assert.match(stdout, /Restore completed with status: PartiallyFailed/);

  const { results } = await restoreFiles(name);
  const errors = JSON.stringify(results.errors);
  assert.match(errors, new RegExp(`no new volume with the backed-up data of claim ${ns}/data could be made`));
  assert.match(errors, /every new volume of the restore was deleted and nothing in the application changed/);
  assert.equal(await volumeOf(ns), oldVolume);
  assert.deepEqual(await appPods(ns), [podBefore], "the app was never stopped");
  const made = await jsonOf<{ items: unknown[] }>([
    "get",
    "pv",
    "-l",
    `velero-ts.io/replacement-by-restore=${name}`,
  ]);
  assert.deepEqual(made.items, [], "the new volume is gone");
  const temporary = await jsonOf<{ items: unknown[] }>([
    "get",
    "pvc,pods",
    "-n",
    ns,
    "-l",
    "velero-ts.io/data-restore-claim",
  ]);
  assert.deepEqual(temporary.items, []);
});

const STATEFUL_APP = `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 1
  serviceName: web
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: app, image: busybox, volumeMounts: [{name: data, mountPath: /data}]}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {storageClassName: standard, accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
`;

test("a replace re-points a StatefulSet's claim: scaled to 0, the claim made again on the new volume, scaled back", async (t) => {
  const ns = await testNamespace(t, "dr-sts");
  await kubectl(["apply", "-n", ns, "-f", "-"], STATEFUL_APP);
  const claimVolume = async () =>
    (await kubectl(["get", "pvc", "data-web-0", "-n", ns, "-o", "jsonpath={.spec.volumeName}"])).trim();
  const disk = async () => diskOf(await waitUntil("data-web-0 to bind", 60_000, claimVolume));
  await fs.writeFile(path.join(await disk(), "state.txt"), "at backup time\n");
  const backup = await volumeBackup(ns);
  const oldVolume = await claimVolume();
  await fs.writeFile(path.join(await disk(), "state.txt"), "the latest data\n");

  const { stdout } = await restoreToEnd(backup, "--data-only", "--data-only-mode", "replace");
  assert.match(stdout, /Restore completed with status: Completed/);

  assert.notEqual(await claimVolume(), oldVolume);
  assert.equal(await fs.readFile(path.join(await disk(), "state.txt"), "utf8"), "at backup time\n");
  await waitUntil(
    "the StatefulSet to run its pod again",
    60_000,
    async () =>
      (
        await kubectl(["get", "statefulset", "web", "-n", ns, "-o", "jsonpath={.status.readyReplicas}"])
      ).trim() === "1",
  );
  const sts = await jsonOf<{ spec: { replicas: number } }>(["get", "statefulset", "web", "-n", ns]);
  assert.equal(sts.spec.replicas, 1);
});
