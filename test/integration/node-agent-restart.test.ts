// A node agent killed in the middle of an upload (its pod evicted, its node rebooted): what it was
// doing ends Failed when it starts again, the repository stays consistent, the next backup works.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { PodVolumeBackup } from "../../src/api/v1/index.js";
import { startNodeAgent } from "../../src/local-cluster/cluster.js";
import { nodeAgentComponent } from "../../src/local-cluster/layout.js";
import { runningPid } from "../../src/local-cluster/processes.js";
import { readState } from "../../src/local-cluster/state.js";
import { jsonOf, kubectl, testNamespace, waitUntil } from "./support.js";
import { velero } from "./velero.js";
import {
  appWithPodVolumes,
  appWritesRandom,
  FS_OPT_IN,
  id,
  layout,
  podVolumeBackups,
  repositoryKopia,
  volumeBackup,
} from "./volumes.js";

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

  // Killed with its kopia, as a container's processes die with it.
  const component = nodeAgentComponent(uploading.spec.node);
  const pid = await runningPid(layout(), component);
  assert.ok(pid, `${component} runs`);
  process.kill(-pid, "SIGKILL");
  await waitUntil(
    `${component} to be gone`,
    10_000,
    async () => (await runningPid(layout(), component)) === undefined,
  );
  const state = (await readState(layout()))!;
  await startNodeAgent(layout(), state, uploading.spec.node);

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
  const phase = await waitUntil(`backup ${backup} to end`, 120_000, async () => {
    const p = (
      await kubectl(["get", "backup", backup, "-n", "velero", "-o", "jsonpath={.status.phase}"])
    ).trim();
    return ["Completed", "PartiallyFailed", "Failed"].includes(p) ? p : undefined;
  });
  assert.equal(phase, "PartiallyFailed");

  const kopia = await repositoryKopia(t, ns);
  await kopia.verify();

  const next = await volumeBackup(ns);
  const [pvb] = await podVolumeBackups(next);
  assert.equal(pvb?.status?.phase, "Completed");
});
