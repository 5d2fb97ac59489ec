// Disaster recovery with file-system backup: a second cluster that shares only the storage
// location restores the first cluster's backup, volume data included (its node agent reads the
// kopia repository the first cluster's agents wrote).
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { checksumsUnder, testNamespace, waitUntil } from "./support.js";
import {
  appWithPodVolumes,
  appWrites,
  appWritesRandom,
  clusterSharingTheLocation,
  fileInApp,
  FS_OPT_IN,
  volumeBackup,
} from "./volumes.js";

test("a second cluster sharing only the storage location restores a file-system backup with the same data", async (t) => {
  const ns = await testNamespace(t, "fso");
  await appWithPodVolumes(ns, FS_OPT_IN);
  await appWrites(ns, "state.txt", "at backup time\n");
  await appWritesRandom(ns, "blob.bin", 8);
  const volume = path.dirname(await fileInApp(ns, "state.txt"));
  const before = await checksumsUnder(volume);
  const backup = await volumeBackup(ns);

  const { layout: other, velero: onOther, kubectl } = await clusterSharingTheLocation(t);
  await waitUntil(`backup ${backup} to be synced into the second cluster`, 60_000, async () => {
    const got = await onOther(["backup", "get", backup]);
    return got.code === 0 && /Completed/.test(got.stdout);
  });

  const restored = await onOther(["restore", "create", `${backup}-dr`, "--from-backup", backup, "--wait"]);
  assert.match(restored.stdout, /Restore completed with status: Completed/, restored.stderr);
  await kubectl(["rollout", "status", "deployment/app", "-n", ns, "--timeout=120s"]);
  const pod = await kubectl([
    "get",
    "pods",
    "-n",
    ns,
    "-l",
    "app=web",
    "-o",
    "jsonpath={.items[0].metadata.uid}",
  ]);
  const pv = await kubectl(["get", "pvc", "data", "-n", ns, "-o", "jsonpath={.spec.volumeName}"]);
  const restoredVolume = path.join(other.podVolumesDir(pod), "kubernetes.io~csi", pv, "mount");
  assert.deepEqual(await checksumsUnder(restoredVolume), before);
});
