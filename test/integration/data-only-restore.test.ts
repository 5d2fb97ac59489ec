// Data-only restores in place on local-cluster (the seed's scenarios 1, 3 and 4): volume data goes
// back into the claims that exist, through the node agent, and nothing else in the cluster changes.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import type { V1Pod } from "@kubernetes/client-node";
import type { PodVolumeRestore, Restore } from "../../src/api/v1/index.js";
import type { RestoreVolumeInfo } from "../../src/restore/volume-info.js";
import { jsonOf, kubectl, testNamespace, waitAvailable, waitUntil } from "./support.js";
import { velero } from "./velero.js";
import {
  appWithPodVolumes,
  claimDisk,
  FS_OPT_IN,
  id,
  locationJson,
  restoreToEnd,
  veleroObjects,
  volumeBackup,
} from "./volumes.js";

/** Files of the volume at backup time: a text file, a report in a directory, a MiB of random bytes. */
const FILES = ["state.txt", "reports/2026.txt", "blob.bin"];

async function writeFiles(ns: string): Promise<Record<string, string>> {
  const disk = await claimDisk(ns, "data");
  await fs.mkdir(path.join(disk, "reports"), { recursive: true });
  await fs.writeFile(path.join(disk, "state.txt"), "at backup time\n");
  await fs.writeFile(path.join(disk, "reports/2026.txt"), "the report of 2026\n");
  await fs.writeFile(path.join(disk, "blob.bin"), randomBytes(2 ** 20));
  return checksums(ns);
}

/** The sha256 of each of FILES as the claim's volume holds it now ("missing" when it does not). */
async function checksums(ns: string, claim = "data"): Promise<Record<string, string>> {
  const disk = await claimDisk(ns, claim);
  const out: Record<string, string> = {};
  for (const file of FILES) {
    const bytes = await fs.readFile(path.join(disk, file)).catch(() => undefined);
    out[file] = bytes ? createHash("sha256").update(bytes).digest("hex") : "missing";
  }
  return out;
}

async function appPods(ns: string): Promise<string[]> {
  const pods = await jsonOf<{ items: V1Pod[] }>(["get", "pods", "-n", ns, "-l", "app=web"]);
  return pods.items.filter((p) => p.status?.phase === "Running").map((p) => p.metadata!.name!);
}

/** The app with a file-system backup of its volume, holding FILES; returns the backup and the checksums. */
async function backedUpApp(ns: string): Promise<{ backup: string; atBackup: Record<string, string> }> {
  await appWithPodVolumes(ns, FS_OPT_IN);
  const atBackup = await writeFiles(ns);
  await kubectl(["create", "configmap", "settings", "-n", ns, "--from-literal=mode=backed-up"]);
  return { backup: await volumeBackup(ns), atBackup };
}

/**
 * backedUpApp, its Deployment then stopped and `user(node)` (a pod or workload using claim data)
 * applied in its place; `node` is where the app ran, which the claim's volume is bound to.
 */
async function backedUpAppUsedBy(
  ns: string,
  user: (node: string) => object,
): Promise<{ backup: string; atBackup: Record<string, string> }> {
  const backedUp = await backedUpApp(ns);
  const pods = await jsonOf<{ items: V1Pod[] }>(["get", "pods", "-n", ns, "-l", "app=web"]);
  const node = pods.items[0]!.spec!.nodeName!;
  await kubectl(["scale", "deployment", "app", "-n", ns, "--replicas=0"]);
  await kubectl(["apply", "-n", ns, "-f", "-"], JSON.stringify(user(node)));
  return backedUp;
}

async function restoreOf(name: string): Promise<Restore> {
  return jsonOf<Restore>(["get", "restores.velero.io", name, "-n", "velero"]);
}

test("scenario 1: an app deployed again with an empty volume gets its data back in place; its Deployment is stopped for the write and started again, and nothing else is created", async (t) => {
  const ns = await testNamespace(t, "do-redeployed");
  const { backup, atBackup } = await backedUpApp(ns);
  // The app is lost with its data, and deployed again: a new, empty claim and volume.
  await kubectl(["delete", "deployment", "app", "-n", ns, "--wait=true"]);
  await kubectl(["delete", "configmap", "settings", "-n", ns]);
  await kubectl(["delete", "pvc", "data", "-n", ns, "--wait=true"]);
  await appWithPodVolumes(ns, FS_OPT_IN);
  await fs.writeFile(path.join(await claimDisk(ns, "data"), "written-since.txt"), "new\n");
  const [podBefore, ...others] = await appPods(ns);
  assert.equal(others.length, 0);
  assert.deepEqual(Object.values(await checksums(ns)), ["missing", "missing", "missing"]);

  const { name, stdout } = await restoreToEnd(backup, "--data-only", "--stop-workloads");
  assert.match(stdout, /Restore completed with status: Completed/);

  assert.deepEqual(await checksums(ns), atBackup);
  const disk = await claimDisk(ns, "data");
  assert.equal(
    await fs.readFile(path.join(disk, "written-since.txt"), "utf8"),
    "new\n",
    "without --delete-extra-files other files stay",
  );
  await assert.rejects(fs.access(path.join(disk, ".velero")), "no restore marker is left in the volume");
  // Nothing but the data: the ConfigMap of the backup is not created again.
  await assert.rejects(kubectl(["get", "configmap", "settings", "-n", ns]), /NotFound/);
  // The Deployment was scaled to 0 and back to 1: its pod is a new one, and the only one.
  await waitAvailable(ns, "app");
  const podsAfter = await appPods(ns);
  assert.equal(podsAfter.length, 1);
  assert.notEqual(podsAfter[0], podBefore);
  const deployment = await jsonOf<{
    spec: { replicas: number };
    metadata: { annotations?: Record<string, string> };
  }>(["get", "deployment", "app", "-n", ns]);
  assert.equal(deployment.spec.replicas, 1);
  assert.equal(deployment.metadata.annotations?.["velero-ts.io/replicas-before-data-restore"], undefined);
  const temporary = await jsonOf<{ items: V1Pod[] }>([
    "get",
    "pods",
    "-n",
    ns,
    "-l",
    "velero-ts.io/data-restore-claim",
  ]);
  assert.deepEqual(temporary.items, [], "the temporary pod is gone");

  const [pvr, ...morePvrs] = await veleroObjects<PodVolumeRestore>(
    "podvolumerestores",
    `velero.io/restore-name=${name}`,
  );
  assert.equal(morePvrs.length, 0);
  assert.equal(pvr!.status?.phase, "Completed");
  assert.equal(pvr!.spec.uploaderSettings?.["RestoreType"], "InPlaceFull");
  const [info, ...moreInfo] = await locationJson<RestoreVolumeInfo[]>(
    "restores",
    name,
    `${name}-volumeinfo.json.gz`,
  );
  assert.equal(moreInfo.length, 0);
  assert.equal(info!.pvcName, "data");
  assert.equal(info!.restoreMethod, "PodVolumeRestore");
  assert.equal(info!.pvrInfo?.Phase, "Completed");
  assert.deepEqual(info!.volumeDataRestoreInfo, {
    mode: "in-place",
    policy: "full",
    backupMethod: "PodVolumeBackup",
    stoppedWorkloads: ["Deployment app (1 replicas)"],
  });
  const list = await locationJson<Record<string, string[]>>(
    "restores",
    name,
    `restore-${name}-resource-list.json.gz`,
  );
  assert.ok(list["v1/PersistentVolumeClaim"]?.includes(`${ns}/data(skipped)`), JSON.stringify(list));
  assert.ok(list["v1/ConfigMap"]?.includes(`${ns}/settings(skipped)`), JSON.stringify(list));
});

test("scenario 3: data restored into the claim of another namespace (a copy of the app for testing), leaving the original alone", async (t) => {
  const ns = await testNamespace(t, "do-source");
  const { backup, atBackup } = await backedUpApp(ns);
  await fs.writeFile(path.join(await claimDisk(ns, "data"), "state.txt"), "changed since the backup\n");
  const changed = await checksums(ns);
  const copy = await testNamespace(t, "do-copy");
  await appWithPodVolumes(copy, {});
  const [podBefore] = await appPods(copy);

  const { stdout } = await restoreToEnd(
    backup,
    "--data-only",
    "--namespace-mappings",
    `${ns}:${copy}`,
    "--allow-running-pods",
  );
  assert.match(stdout, /Restore completed with status: Completed/);

  assert.deepEqual(await checksums(copy), atBackup);
  assert.deepEqual(await checksums(ns), changed, "the original keeps what it holds now");
  assert.deepEqual(await appPods(copy), [podBefore], "--allow-running-pods: the copy's pod kept running");
  await assert.rejects(kubectl(["get", "configmap", "settings", "-n", copy]), /NotFound/);
});

test("scenario 4: only the paths asked for are restored in place; --delete-extra-files removes what the backup does not hold in them", async (t) => {
  const ns = await testNamespace(t, "do-paths");
  const { backup, atBackup } = await backedUpApp(ns);
  const disk = await claimDisk(ns, "data");
  await fs.writeFile(path.join(disk, "state.txt"), "changed since the backup\n");
  await fs.writeFile(path.join(disk, "reports/2026.txt"), "a broken report\n");
  await fs.writeFile(path.join(disk, "reports/draft.txt"), "not in the backup\n");
  await fs.writeFile(path.join(disk, "notes.txt"), "not in the backup either\n");
  const before = await checksums(ns);

  const { name, stdout } = await restoreToEnd(
    backup,
    "--data-only",
    "--include-paths",
    "reports",
    "--delete-extra-files",
    "--stop-workloads",
  );
  assert.match(stdout, /Restore completed with status: Completed/);

  const after = await checksums(ns);
  assert.equal(after["reports/2026.txt"], atBackup["reports/2026.txt"]);
  assert.equal(after["state.txt"], before["state.txt"], "outside the paths nothing is written");
  assert.equal(after["blob.bin"], atBackup["blob.bin"]);
  await assert.rejects(
    fs.access(path.join(disk, "reports/draft.txt")),
    "the extra file in reports/ is deleted",
  );
  assert.equal(await fs.readFile(path.join(disk, "notes.txt"), "utf8"), "not in the backup either\n");
  const [pvr] = await veleroObjects<PodVolumeRestore>("podvolumerestores", `velero.io/restore-name=${name}`);
  assert.deepEqual(pvr!.spec.uploaderSettings, {
    RestoreType: "InPlaceFull",
    DeleteExtraFiles: "true",
    IncludePaths: '["reports"]',
  });
});

test("a data-only restore into a volume a running pod uses is refused before anything is written, naming the pod and the ways on", async (t) => {
  const ns = await testNamespace(t, "do-refused");
  const { backup } = await backedUpApp(ns);
  await fs.writeFile(path.join(await claimDisk(ns, "data"), "state.txt"), "changed since the backup\n");
  const before = await checksums(ns);
  const [pod] = await appPods(ns);

  const name = `${backup}-r${id()}`;
  const run = await velero(["restore", "create", name, "--from-backup", backup, "--data-only", "--wait"]);
  assert.match(run.stdout, /FailedValidation/, run.stderr);
  const restore = await restoreOf(name);
  assert.equal(restore.status?.phase, "FailedValidation");
  const [error, ...more] = restore.status?.validationErrors ?? [];
  assert.equal(more.length, 0);
  assert.match(error!, new RegExp(`claim ${ns}/data is in use by pods ${ns}/${pod}`));
  assert.match(error!, /--stop-workloads/);
  assert.match(error!, /--allow-running-pods/);
  assert.deepEqual(await checksums(ns), before);
  assert.deepEqual(await veleroObjects("podvolumerestores", `velero.io/restore-name=${name}`), []);
});

test("--dry-run of a data-only restore shows, per claim, the volume, the method, the mode and what happens to its pods", async (t) => {
  const ns = await testNamespace(t, "do-preview");
  const { backup } = await backedUpApp(ns);
  const volume = (
    await kubectl(["get", "pvc", "data", "-n", ns, "-o", "jsonpath={.spec.volumeName}"])
  ).trim();

  const run = await velero([
    "restore",
    "create",
    "--from-backup",
    backup,
    "--data-only",
    "--stop-workloads",
    "--dry-run",
  ]);
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.split("\n");
  const claimLine = lines.find((l) => /^persistentvolumeclaims\s/.test(l) && l.includes(ns));
  assert.ok(claimLine, run.stdout);
  assert.match(claimLine, new RegExp(`written into its volume ${volume}`));
  assert.match(
    claimLine,
    /restores its volume data in place \(full\): pod volume backup \S+ \(1\.0 MiB, kopia snapshot [0-9a-f]+\)/,
  );
  assert.match(claimLine, /Deployment app scaled 1 → 0, then back to 1/);
  const configMapLine = lines.find((l) => /^configmaps\s/.test(l) && l.includes(" settings "));
  assert.match(
    configMapLine ?? "",
    /data-only restore: only volume data is restored; no ConfigMap is created, updated or deleted/,
  );
});

test("moved snapshot data (--snapshot-move-data) is written back in place too", async (t) => {
  const ns = await testNamespace(t, "do-moved");
  await appWithPodVolumes(ns, {});
  const atBackup = await writeFiles(ns);
  const backup = await volumeBackup(ns, "--snapshot-move-data");
  await fs.writeFile(path.join(await claimDisk(ns, "data"), "state.txt"), "changed since the backup\n");

  const { name, stdout } = await restoreToEnd(backup, "--data-only", "--stop-workloads");
  assert.match(stdout, /Restore completed with status: Completed/);

  assert.deepEqual(await checksums(ns), atBackup);
  const [info] = await locationJson<RestoreVolumeInfo[]>("restores", name, `${name}-volumeinfo.json.gz`);
  assert.equal(info!.volumeDataRestoreInfo?.backupMethod, "DataMover");
  assert.equal(info!.snapshotDataMoved, true);
});

test("Velero's --existing-volume-data-policy incremental restores the rest of the backup as usual and rewrites only the files that differ", async (t) => {
  const ns = await testNamespace(t, "do-velero");
  const { backup, atBackup } = await backedUpApp(ns);
  await kubectl(["delete", "configmap", "settings", "-n", ns]);
  const disk = await claimDisk(ns, "data");
  await fs.writeFile(path.join(disk, "state.txt"), "changed since the backup\n");
  const untouched = (await fs.stat(path.join(disk, "blob.bin"))).ino;

  const { name, stdout } = await restoreToEnd(
    backup,
    "--existing-volume-data-policy",
    "incremental",
    "--stop-workloads",
  );
  assert.match(stdout, /Restore completed with status: Completed/);

  assert.deepEqual(await checksums(ns), atBackup);
  assert.equal(
    (await fs.stat(path.join(disk, "blob.bin"))).ino,
    untouched,
    "a file that matches is not written again",
  );
  assert.equal(
    (await kubectl(["get", "configmap", "settings", "-n", ns, "-o", "jsonpath={.data.mode}"])).trim(),
    "backed-up",
    "what the cluster lacks is restored as by any restore",
  );
  const [pvr] = await veleroObjects<PodVolumeRestore>("podvolumerestores", `velero.io/restore-name=${name}`);
  assert.equal(pvr!.spec.uploaderSettings?.["RestoreType"], "InPlaceIncremental");
});

test("--stop-workloads makes a bare pod that uses the claim again from its spec after the write", async (t) => {
  const ns = await testNamespace(t, "do-bare");
  const { backup, atBackup } = await backedUpAppUsedBy(ns, () => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "debug", labels: { role: "debug" } },
    spec: {
      containers: [{ name: "shell", image: "busybox", volumeMounts: [{ name: "data", mountPath: "/data" }] }],
      volumes: [{ name: "data", persistentVolumeClaim: { claimName: "data" } }],
    },
  }));
  await kubectl(["wait", "pod/debug", "-n", ns, "--for=condition=Ready", "--timeout=60s"]);
  const uidBefore = (
    await kubectl(["get", "pod", "debug", "-n", ns, "-o", "jsonpath={.metadata.uid}"])
  ).trim();
  await fs.writeFile(path.join(await claimDisk(ns, "data"), "state.txt"), "changed since the backup\n");

  const { stdout } = await restoreToEnd(backup, "--data-only", "--stop-workloads");
  assert.match(stdout, /Restore completed with status: Completed/);

  assert.deepEqual(await checksums(ns), atBackup);
  await kubectl(["wait", "pod/debug", "-n", ns, "--for=condition=Ready", "--timeout=60s"]);
  const uidAfter = (
    await kubectl(["get", "pod", "debug", "-n", ns, "-o", "jsonpath={.metadata.uid}"])
  ).trim();
  assert.notEqual(uidAfter, uidBefore, "the pod was made again");
  assert.equal(
    (await kubectl(["get", "pod", "debug", "-n", ns, "-o", "jsonpath={.metadata.labels.role}"])).trim(),
    "debug",
  );
});

test("--stop-workloads stops a DaemonSet that uses the claim with a node selector no node has, and puts its own back", async (t) => {
  const ns = await testNamespace(t, "do-ds");
  const { backup, atBackup } = await backedUpAppUsedBy(ns, (node) => ({
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name: "agent" },
    spec: {
      selector: { matchLabels: { role: "agent" } },
      template: {
        metadata: { labels: { role: "agent" } },
        spec: {
          // The node of the claim's volume only: a one-node DaemonSet, as a claim's volume is on one node.
          nodeSelector: { "kubernetes.io/hostname": node },
          containers: [
            { name: "agent", image: "busybox", volumeMounts: [{ name: "data", mountPath: "/data" }] },
          ],
          volumes: [{ name: "data", persistentVolumeClaim: { claimName: "data" } }],
        },
      },
    },
  }));
  // Ready on every node it is scheduled to, counted once all have come up.
  const onEveryNode = async () => {
    const status = (
      await jsonOf<{ status?: { numberReady?: number; desiredNumberScheduled?: number } }>([
        "get",
        "ds",
        "agent",
        "-n",
        ns,
      ])
    ).status;
    const desired = status?.desiredNumberScheduled ?? 0;
    return desired > 0 && status?.numberReady === desired ? desired : undefined;
  };
  const nodes = await waitUntil("the DaemonSet's pods to run on every node", 60_000, onEveryNode);
  assert.equal(nodes, 1);
  await fs.writeFile(path.join(await claimDisk(ns, "data"), "state.txt"), "changed since the backup\n");

  const { stdout } = await restoreToEnd(backup, "--data-only", "--stop-workloads");
  assert.match(stdout, /Restore completed with status: Completed/);

  assert.deepEqual(await checksums(ns), atBackup);
  const ds = await jsonOf<{
    spec: { template: { spec: { nodeSelector?: Record<string, string> } } };
    metadata: { annotations?: Record<string, string> };
  }>(["get", "ds", "agent", "-n", ns]);
  assert.deepEqual(Object.keys(ds.spec.template.spec.nodeSelector ?? {}), ["kubernetes.io/hostname"]);
  assert.equal(ds.metadata.annotations?.["velero-ts.io/node-selector-before-data-restore"], undefined);
  assert.equal(await waitUntil("the DaemonSet to run on every node again", 60_000, onEveryNode), nodes);
});
