// File-system backups on local-cluster: the node agents upload pod volumes with kopia into the
// storage location's repositories, and write them back into restored pods before they start.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import type { V1Pod } from "@kubernetes/client-node";
import type { BackupRepository, PodVolumeBackup, PodVolumeRestore } from "../../src/api/v1/index.js";
import type { BackupVolumeInfo } from "../../src/backup/volume-info.js";
import type { RestoreVolumeInfo } from "../../src/restore/volume-info.js";
import { jsonOf, kubectl, testNamespace, waitAvailable, waitUntil } from "./support.js";
import { storageDir } from "./velero.js";
import {
  deleteBackup,
  appReads,
  appWithPodVolumes,
  appWrites,
  appWritesRandom,
  backupToEnd,
  claimDisk,
  FS_OPT_IN,
  fileInApp,
  locationJson,
  podVolumeBackups,
  repositoryKopia,
  restoreToEnd,
  veleroObjects,
  volumeBackup,
} from "./volumes.js";

/** A MiB of random bytes and a small text file in the app's volume `data`; returns their checksums. */
async function writeData(ns: string): Promise<Record<string, string>> {
  await appWrites(ns, "state.txt", "at backup time\n");
  await appWrites(ns, "blob.bin", randomBytes(2 ** 20).toString("base64"));
  return checksums(ns);
}

async function checksums(ns: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const file of ["state.txt", "blob.bin"])
    out[file] = createHash("sha256")
      .update(await fs.readFile(await fileInApp(ns, file)))
      .digest("hex");
  return out;
}

test("an opted-in volume is uploaded by its node's agent into the namespace's repository, as Velero records it", async (t) => {
  const ns = await testNamespace(t, "fsb");
  await appWithPodVolumes(ns, FS_OPT_IN);
  await writeData(ns);
  const backup = await volumeBackup(ns);

  const [pvb, ...others] = await podVolumeBackups(backup);
  assert.equal(others.length, 0, "one PodVolumeBackup: only the opted-in volume");
  assert.equal(pvb!.status?.phase, "Completed");
  assert.equal(pvb!.spec.volume, "data");
  assert.equal(pvb!.spec.uploaderType, "kopia");
  assert.equal(pvb!.metadata.annotations?.["velero.io/pvc-name"], "data");
  assert.equal(pvb!.metadata.ownerReferences?.[0]?.name, backup);
  const pod = (await jsonOf<{ items: V1Pod[] }>(["get", "pods", "-n", ns, "-l", "app=web"])).items[0]!;
  assert.equal(pvb!.spec.node, pod.spec?.nodeName);
  assert.ok(pvb!.status.progress!.totalBytes! > 2 ** 20, `totalBytes ${pvb!.status?.progress?.totalBytes}`);
  assert.equal(pvb!.status?.progress?.bytesDone, pvb!.status?.progress?.totalBytes);

  const [repo] = await veleroObjects<BackupRepository>(
    "backuprepositories",
    `velero.io/volume-namespace=${ns}`,
  );
  assert.equal(repo?.status?.phase, "Ready");
  assert.match(repo.metadata.name!, new RegExp(`^${ns}-default-kopia-[a-z0-9]{5}$`));
  assert.equal(repo.metadata.labels?.["velero.io/repository-type"], "kopia");
  const repoDir = path.join(storageDir(), "kopia", ns);
  assert.ok((await fs.readdir(repoDir)).includes("udmrepo.Repository.f"), "Velero's identity blob is there");

  const stored = await locationJson<PodVolumeBackup[]>(
    "backups",
    backup,
    `${backup}-podvolumebackups.json.gz`,
  );
  assert.deepEqual(
    stored.map((p) => [p.metadata.name, p.status?.snapshotID]),
    [[pvb!.metadata.name, pvb!.status?.snapshotID]],
  );
  const info = await locationJson<BackupVolumeInfo[]>("backups", backup, `${backup}-volumeinfo.json.gz`);
  assert.deepEqual(
    info.map((e) => [e.pvcName, e.backupMethod, e.result, e.pvbInfo?.snapshotHandle, e.pvbInfo?.Phase]),
    [["data", "PodVolumeBackup", "succeeded", pvb!.status?.snapshotID, "Completed"]],
  );
  // The claim went by file-system backup: no CSI snapshot was taken of it too.
  await assert.rejects(
    fs.access(path.join(storageDir(), "backups", backup, `${backup}-csi-volumesnapshots.json.gz`)),
  );
});

test("after its namespace is deleted, a restore writes the volume back before the app's containers start", async (t) => {
  const ns = await testNamespace(t, "fsr");
  await appWithPodVolumes(ns, FS_OPT_IN);
  const before = await writeData(ns);
  const backup = await volumeBackup(ns);
  await kubectl(["delete", "ns", ns, "--wait=true"]);

  const { name, stdout } = await restoreToEnd(backup);
  assert.match(stdout, /Restore completed with status: Completed/);
  await waitAvailable(ns, "app");
  assert.deepEqual(await checksums(ns), before);
  assert.equal(await appReads(ns, "state.txt"), "at backup time\n");

  const pod = (await jsonOf<{ items: V1Pod[] }>(["get", "pods", "-n", ns, "-l", "app=web"])).items[0]!;
  const [helper] = pod.status?.initContainerStatuses ?? [];
  assert.equal(helper?.name, "restore-wait");
  assert.equal(helper?.state?.terminated?.reason, "Completed");
  const [pvr] = await veleroObjects<PodVolumeRestore>("podvolumerestores", `velero.io/restore-name=${name}`);
  assert.equal(pvr?.status?.phase, "Completed");
  // The app's container started only once the volume was written back.
  const started = Date.parse(String(pod.status?.containerStatuses?.[0]?.state?.running?.startedAt));
  assert.ok(
    started >= Date.parse(pvr.status.completionTimestamp!),
    "the container started after the restore",
  );
  // The helper's done marker is gone, as Velero's helper removes it.
  await assert.rejects(fs.access(path.join(path.dirname(await fileInApp(ns, "state.txt")), ".velero")));

  const info = await locationJson<RestoreVolumeInfo[]>("restores", name, `${name}-volumeinfo.json.gz`);
  assert.deepEqual(
    info.map((e) => [e.pvcName, e.restoreMethod, e.pvrInfo?.volumeName, e.pvrInfo?.Phase]),
    [["data", "PodVolumeRestore", "data", "Completed"]],
  );
});

test("a restore into a mapped namespace gives the clone its own copy, and leaves the original volume alone", async (t) => {
  const ns = await testNamespace(t, "fsc");
  const clone = `${ns}-clone`;
  t.after(() => kubectl(["delete", "ns", clone, "--wait=false", "--ignore-not-found"]));
  await appWithPodVolumes(ns, FS_OPT_IN);
  const before = await writeData(ns);
  const backup = await volumeBackup(ns);
  await appWrites(ns, "state.txt", "changed after the backup\n");

  await restoreToEnd(backup, "--namespace-mappings", `${ns}:${clone}`);
  await waitAvailable(clone, "app");
  assert.deepEqual(await checksums(clone), before);
  assert.equal(await appReads(ns, "state.txt"), "changed after the backup\n");
  assert.notEqual(
    await claimDisk(clone, "data"),
    await claimDisk(ns, "data"),
    "the clone has a disk of its own",
  );
});

test("backup delete deletes the backup's kopia snapshots from the repository", async (t) => {
  const ns = await testNamespace(t, "fsx");
  await appWithPodVolumes(ns, FS_OPT_IN);
  await writeData(ns);
  const backup = await volumeBackup(ns);
  const [pvb] = await podVolumeBackups(backup);
  const kopia = await repositoryKopia(t, ns);
  assert.ok(
    (await kopia.snapshotIds()).includes(pvb!.status!.snapshotID!),
    "the repository holds the snapshot",
  );

  await deleteBackup(backup);
  assert.deepEqual(await kopia.snapshotIds(), []);
});

test("a second backup of unchanged data reads nothing anew (incrementalBytes 0)", async (t) => {
  const ns = await testNamespace(t, "fsi");
  await appWithPodVolumes(ns, FS_OPT_IN);
  await writeData(ns);
  const first = (await podVolumeBackups(await volumeBackup(ns)))[0]!;
  const second = (await podVolumeBackups(await volumeBackup(ns)))[0]!;
  assert.ok(first.status!.incrementalBytes! > 2 ** 20, `first: ${first.status?.incrementalBytes}`);
  assert.equal(second.status?.incrementalBytes, 0);
  assert.equal(second.status?.progress?.totalBytes, first.status?.progress?.totalBytes);
});

test("--default-volumes-to-fs-backup takes every volume but the one the pod excludes, which is snapshotted instead", async (t) => {
  const ns = await testNamespace(t, "fsd");
  await appWithPodVolumes(ns, { "backup.velero.io/backup-volumes-excludes": "data" });
  const backup = await volumeBackup(ns, "--default-volumes-to-fs-backup");
  assert.deepEqual(
    (await podVolumeBackups(backup)).map((p) => [p.spec.volume, p.status?.phase]),
    [["cache", "Completed"]],
  );
  const info = await locationJson<BackupVolumeInfo[]>("backups", backup, `${backup}-volumeinfo.json.gz`);
  assert.deepEqual(info.map((e) => [e.pvcName ?? e.pvbInfo?.volumeName, e.backupMethod]).sort(), [
    ["cache", "PodVolumeBackup"],
    ["data", "CSISnapshot"],
  ]);
});

test("a pod volume backup past the backup's velero.io/pod-volume-timeout fails alone, naming pod and volume, and its upload is canceled", async (t) => {
  const ns = await testNamespace(t, "fst");
  await appWithPodVolumes(ns, FS_OPT_IN);
  await appWritesRandom(ns, "blob.bin", 400);
  const { name: backup, stdout } = await backupToEnd(ns, "--annotations", "velero.io/pod-volume-timeout=1s");
  assert.match(stdout, /Backup completed with status: PartiallyFailed/);
  const [pvb] = await podVolumeBackups(backup);
  const results = await locationJson<{ errors?: { namespaces?: Record<string, string[]> } }>(
    "backups",
    backup,
    `${backup}-results.gz`,
  );
  assert.match(
    results.errors?.namespaces?.[ns]?.join("\n") ?? "",
    new RegExp(
      `pod volume backup ${pvb!.metadata.name} of volume data of pod ${ns}/app-[a-z0-9-]+ timed out after 1s`,
    ),
  );
  const canceled = await waitUntil(`${pvb!.metadata.name} to be canceled`, 60_000, async () => {
    const [p] = await podVolumeBackups(backup);
    return p?.status?.phase === "Canceled" ? p : undefined;
  });
  assert.match(canceled.status!.message!, /was canceled while in progress: the backup canceled it/);
});

test("the volume of a pod that is not running is skipped, with the reason in volume info", async (t) => {
  const ns = await testNamespace(t, "fss");
  await appWithPodVolumes(ns, FS_OPT_IN);
  await kubectl(["scale", "deployment", "app", "-n", ns, "--replicas=0"]);
  await kubectl(
    ["apply", "-n", ns, "-f", "-"],
    JSON.stringify({
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: "done",
        annotations: { ...FS_OPT_IN, "local-cluster.velero-ts.io/exit-after-seconds": "0" },
      },
      spec: {
        restartPolicy: "Never",
        containers: [{ name: "job", image: "busybox", volumeMounts: [{ name: "data", mountPath: "/data" }] }],
        volumes: [{ name: "data", persistentVolumeClaim: { claimName: "data" } }],
      },
    }),
  );
  await kubectl(["wait", "pod/done", "-n", ns, "--for=jsonpath={.status.phase}=Succeeded", "--timeout=60s"]);
  const backup = await volumeBackup(ns);
  assert.deepEqual(await podVolumeBackups(backup), []);
  const [entry] = await locationJson<BackupVolumeInfo[]>("backups", backup, `${backup}-volumeinfo.json.gz`);
  assert.equal(entry?.skipped, true);
  assert.equal(
    entry?.skippedReason,
    `pod ${ns}/done is not running (phase Succeeded): file-system backup reads the volumes of running pods only`,
  );
});
