// A node agent killed in the middle of an upload or a restore (its pod evicted, its node
// rebooted), or not running at all: what it was doing ends Failed or Canceled when it starts
// again, the repository stays consistent, the next backup works, and a restored pod is never left
// waiting in its restore-wait init container.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { V1Pod } from "@kubernetes/client-node";
import type { PodVolumeBackup, PodVolumeRestore } from "../../src/api/v1/index.js";
import { nodeNames } from "../../src/local-cluster/simulator/nodes.js";
import { readState } from "../../src/local-cluster/state.js";
import { jsonOf, kubectl, testNamespace, waitAvailable, waitUntil } from "./support.js";
import { restoreFiles, velero } from "./velero.js";
import {
  appWithPodVolumes,
  appWrites,
  appWritesRandom,
  FS_OPT_IN,
  id,
  killNodeAgent,
  layout,
  podVolumeBackups,
  repositoryKopia,
  restoreToEnd,
  startNodeAgentAgain,
  veleroObjects,
  volumeBackup,
} from "./volumes.js";

/** The phase a backup or restore ends in. */
const phaseAtEnd = (kind: "backup" | "restore", name: string) =>
  waitUntil(`${kind} ${name} to end`, 120_000, async () => {
    const p = (await kubectl(["get", kind, name, "-n", "velero", "-o", "jsonpath={.status.phase}"])).trim();
    return ["Completed", "PartiallyFailed", "Failed"].includes(p) ? p : undefined;
  });

const restoredPod = async (ns: string) =>
  (await jsonOf<{ items: V1Pod[] }>(["get", "pods", "-n", ns, "-l", "app=web"])).items[0];

const podVolumeRestores = (restore: string) =>
  veleroObjects<PodVolumeRestore>("podvolumerestores", `velero.io/restore-name=${restore}`);

test("a node agent killed mid-upload fails that PodVolumeBackup when it starts again; kopia's check passes and the next backup completes", async (t) => {
  const ns = await testNamespace(t, "fsk");
  await appWithPodVolumes(ns, FS_OPT_IN);
  await appWritesRandom(ns, "blob.bin", 400);

  const backup = `kill-${id()}`;
  const created = await velero(["backup", "create", backup, "--include-namespaces", ns]);
  assert.equal(created.code, 0, created.stderr);
  const uploading = await waitUntil(
    `the pod volume backup of ${backup} to be uploading`,
    120_000,
    async () => {
      const [pvb] = await podVolumeBackups(backup);
      return pvb?.status?.phase === "InProgress" ? pvb : undefined;
    },
  );

  await killNodeAgent(uploading.spec.node);
  await startNodeAgentAgain(uploading.spec.node);

  const failed = await waitUntil(
    `the pod volume backup ${uploading.metadata.name} to fail`,
    60_000,
    async () => {
      const pvb = await jsonOf<PodVolumeBackup>([
        "get",
        "podvolumebackups.velero.io",
        uploading.metadata.name!,
        "-n",
        "velero",
      ]);
      return pvb.status?.phase === "Failed" ? pvb : undefined;
    },
  );
  assert.equal(
    failed.status?.message,
    `the node agent on ${uploading.spec.node} restarted while this was InProgress: the data it was moving is incomplete; run the backup or restore again`,
  );
  assert.equal(await phaseAtEnd("backup", backup), "PartiallyFailed");

  const kopia = await repositoryKopia(t, ns);
  await kopia.verify();

  const next = await volumeBackup(ns);
  const [pvb] = await podVolumeBackups(next);
  assert.equal(pvb?.status?.phase, "Completed");
});

test("a node agent killed mid-restore fails that PodVolumeRestore when it starts again, and the pod starts", async (t) => {
  const ns = await testNamespace(t, "fsq");
  const target = `${ns}-r`;
  t.after(() => kubectl(["delete", "ns", target, "--wait=false", "--ignore-not-found"]));
  await appWithPodVolumes(ns, FS_OPT_IN);
  await appWritesRandom(ns, "blob.bin", 400);
  const backup = await volumeBackup(ns);

  const restore = `${backup}-r`;
  const created = await velero([
    "restore",
    "create",
    restore,
    "--from-backup",
    backup,
    "--namespace-mappings",
    `${ns}:${target}`,
  ]);
  assert.equal(created.code, 0, created.stderr);
  const writing = await waitUntil(`the pod volume restore of ${restore} to be writing`, 120_000, async () => {
    const [pvr] = await podVolumeRestores(restore);
    return pvr?.status?.phase === "InProgress" ? pvr : undefined;
  });
  await killNodeAgent(writing.status!.node!);
  await startNodeAgentAgain(writing.status!.node!);

  await waitAvailable(target, "app");
  const [failed] = await podVolumeRestores(restore);
  assert.equal(failed?.status?.phase, "Failed");
  assert.equal(
    failed.status?.message,
    `the node agent on ${writing.status!.node} restarted while this was InProgress: the data it was moving is incomplete; run the backup or restore again; the pod's restore-wait init container was released`,
  );
  assert.equal(await phaseAtEnd("restore", restore), "PartiallyFailed");
});

test("a restore whose pod has no node agent to write its volume times the PodVolumeRestore out, and the pod starts once an agent is back", async (t) => {
  const ns = await testNamespace(t, "fst");
  const target = `${ns}-r`;
  t.after(() => kubectl(["delete", "ns", target, "--wait=false", "--ignore-not-found"]));
  await appWithPodVolumes(ns, FS_OPT_IN);
  await appWrites(ns, "state.txt", "at backup time\n");
  const backup = await volumeBackup(ns);
  // A restore takes the pod volume timeout of its backup's annotation, as Velero's does.
  await kubectl(["annotate", "backups.velero.io", backup, "-n", "velero", "velero.io/pod-volume-timeout=2s"]);

  const nodes = nodeNames((await readState(layout()))!.nodes);
  t.after(async () => {
    for (const node of nodes) await startNodeAgentAgain(node);
  });
  for (const node of nodes) await killNodeAgent(node);
  const { name, stdout } = await restoreToEnd(backup, "--namespace-mappings", `${ns}:${target}`);
  assert.match(stdout, /Restore completed with status: PartiallyFailed/);
  const { results } = await restoreFiles(name);
  const [pvr] = await podVolumeRestores(name);
  const waiting = await restoredPod(target);
  const pod = `${target}/${waiting!.metadata!.name}`;
  assert.deepEqual(results.errors.namespaces?.[target], [
    `operation ${pod} of item action velero.io/pod-volume-restore for pods ${pod} ended Failed: pod volume restore ${pvr!.metadata.name} of volume data of pod ${pod} timed out after 2s (phase New) and was canceled: the node agent releases the pod's restore-wait init container, so the pod starts without that volume's data; raise the server's --pod-volume-operation-timeout or the backup's velero.io/pod-volume-timeout annotation`,
  ]);
  assert.equal(pvr!.spec.cancel, true);
  // Until an agent is back, nobody can release it: the app's container has not started.
  assert.equal(waiting?.status?.initContainerStatuses?.[0]?.name, "restore-wait");
  assert.equal(waiting?.status?.containerStatuses?.[0]?.state?.running, undefined);

  for (const node of nodes) await startNodeAgentAgain(node);
  await waitAvailable(target, "app");
  const [canceled] = await podVolumeRestores(name);
  assert.equal(canceled?.status?.phase, "Canceled");
  assert.equal(
    canceled.status?.message,
    `pod volume restore of volume data of pod ${pod} was canceled: the restore canceled it; the pod's restore-wait init container was released`,
  );
});

test("a canceled PodVolumeRestore whose pod never came is ended Canceled, not waited on forever", async (t) => {
  const ns = await testNamespace(t, "fsn");
  const name = `pvr-${id()}`;
  t.after(() =>
    kubectl(["delete", "podvolumerestores.velero.io", name, "-n", "velero", "--ignore-not-found"]),
  );
  await kubectl(
    ["apply", "-f", "-"],
    JSON.stringify({
      apiVersion: "velero.io/v1",
      kind: "PodVolumeRestore",
      metadata: { name, namespace: "velero" },
      spec: {
        pod: { kind: "Pod", namespace: ns, name: "never-made", uid: "0" },
        volume: "data",
        backupStorageLocation: "default",
        repoIdentifier: "",
        uploaderType: "kopia",
        snapshotID: "k0",
        sourceNamespace: ns,
        cancel: true,
      },
    }),
  );
  const ended = await waitUntil(`${name} to end`, 30_000, async () => {
    const pvr = await jsonOf<PodVolumeRestore>(["get", "podvolumerestores.velero.io", name, "-n", "velero"]);
    return pvr.status?.phase ? pvr : undefined;
  });
  assert.equal(ended.status?.phase, "Canceled");
  assert.equal(ended.status?.message, `canceled before its pod ${ns}/never-made existed`);
});
