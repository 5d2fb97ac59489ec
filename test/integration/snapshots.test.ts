import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { CoreV1Api, CustomObjectsApi, type V1PersistentVolumeClaim } from "@kubernetes/client-node";
import { BlockStorage } from "../../src/local-cluster/block-storage.js";
import { ClusterLayout } from "../../src/local-cluster/layout.js";
import type { VolumeSnapshot, VolumeSnapshotContent } from "../../src/api/csi-snapshots.js";
import { clusterDir, kubeConfig, testNamespace, waitUntil } from "./support.js";

const SNAPSHOTS = { group: "snapshot.storage.k8s.io", version: "v1" };

function claim(name: string, extra: Partial<V1PersistentVolumeClaim["spec"]> = {}): V1PersistentVolumeClaim {
  return {
    metadata: { name },
    spec: {
      storageClassName: "standard-immediate",
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: "1Gi" } },
      ...extra,
    },
  };
}

/** Creates a VolumeSnapshot and returns it once it is ready to use. */
async function readySnapshot(
  custom: CustomObjectsApi,
  namespace: string,
  name: string,
  spec: VolumeSnapshot["spec"],
): Promise<VolumeSnapshot> {
  await custom.createNamespacedCustomObject({
    ...SNAPSHOTS,
    namespace,
    plural: "volumesnapshots",
    body: { apiVersion: "snapshot.storage.k8s.io/v1", kind: "VolumeSnapshot", metadata: { name }, spec },
  });
  return waitUntil<VolumeSnapshot>(`VolumeSnapshot ${name} to be ready`, 30_000, async () => {
    const vs = (await custom.getNamespacedCustomObject({
      ...SNAPSHOTS,
      namespace,
      plural: "volumesnapshots",
      name,
    })) as VolumeSnapshot;
    return vs.status?.readyToUse ? vs : undefined;
  });
}

test("a VolumeSnapshot becomes ready and a claim made from it holds the data as it was", async (t) => {
  const ns = await testNamespace(t, "snap");
  const kc = kubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const storage = new BlockStorage(new ClusterLayout(clusterDir()).blockStorageDir);
  const diskOf = async (claimName: string) => {
    const bound = await waitUntil(`claim ${claimName} bound`, 30_000, async () => {
      const c = await core.readNamespacedPersistentVolumeClaim({ name: claimName, namespace: ns });
      return c.status?.phase === "Bound" ? c : undefined;
    });
    const pv = await core.readPersistentVolume({ name: bound.spec!.volumeName! });
    return storage.volumeDataPath(pv.spec!.csi!.volumeHandle);
  };

  await core.createNamespacedPersistentVolumeClaim({ namespace: ns, body: claim("source") });
  const sourceDisk = await diskOf("source");
  await fs.writeFile(path.join(sourceDisk, "state.txt"), "at snapshot time");

  const snapshot = await readySnapshot(custom, ns, "snap", {
    volumeSnapshotClassName: "local-snapclass",
    source: { persistentVolumeClaimName: "source" },
  });
  assert.equal(snapshot.status?.restoreSize, "1Gi");
  const contentName = snapshot.status.boundVolumeSnapshotContentName!;
  const content = (await custom.getClusterCustomObject({
    ...SNAPSHOTS,
    plural: "volumesnapshotcontents",
    name: contentName,
  })) as VolumeSnapshotContent;
  assert.equal(content.status?.readyToUse, true);
  assert.equal(content.status?.restoreSize, 1073741824);
  assert.equal(content.spec?.volumeSnapshotRef?.name, "snap");
  const handle = content.status.snapshotHandle!;

  await fs.writeFile(path.join(sourceDisk, "state.txt"), "changed after the snapshot");
  await core.createNamespacedPersistentVolumeClaim({
    namespace: ns,
    body: claim("restored", {
      dataSource: { apiGroup: "snapshot.storage.k8s.io", kind: "VolumeSnapshot", name: "snap" },
    }),
  });
  assert.equal(
    await fs.readFile(path.join(await diskOf("restored"), "state.txt"), "utf8"),
    "at snapshot time",
  );

  // Deleting the snapshot (deletion policy Delete) removes its content and the stored copy.
  await custom.deleteNamespacedCustomObject({
    ...SNAPSHOTS,
    namespace: ns,
    plural: "volumesnapshots",
    name: "snap",
  });
  await waitUntil("the content and the stored snapshot to be deleted", 30_000, async () => {
    const contents = (await custom.listClusterCustomObject({
      ...SNAPSHOTS,
      plural: "volumesnapshotcontents",
    })) as {
      items: VolumeSnapshotContent[];
    };
    const gone = !contents.items.some((c) => c.metadata?.name === contentName);
    return gone && (await storage.getSnapshot(handle)) === undefined;
  });
});

test("a pre-provisioned snapshot content (a snapshot handle only) binds to its VolumeSnapshot", async (t) => {
  const ns = await testNamespace(t, "presnap");
  const kc = kubeConfig();
  const custom = kc.makeApiClient(CustomObjectsApi);
  const storage = new BlockStorage(new ClusterLayout(clusterDir()).blockStorageDir);
  // A snapshot that exists in the simulated cloud, as after a restore onto another cluster.
  const disk = await storage.createVolume(2 * 1024 ** 3);
  await fs.writeFile(path.join(storage.volumeDataPath(disk), "f"), "x");
  const stored = await storage.createSnapshot(disk);
  const contentName = `pre-${ns}`;
  t.after(() =>
    custom.deleteClusterCustomObject({ ...SNAPSHOTS, plural: "volumesnapshotcontents", name: contentName }),
  );

  await custom.createClusterCustomObject({
    ...SNAPSHOTS,
    plural: "volumesnapshotcontents",
    body: {
      apiVersion: "snapshot.storage.k8s.io/v1",
      kind: "VolumeSnapshotContent",
      metadata: { name: contentName },
      spec: {
        deletionPolicy: "Retain",
        driver: "local.csi.velero-ts.io",
        source: { snapshotHandle: stored.id },
        volumeSnapshotRef: { name: "restored", namespace: ns },
      },
    },
  });
  const vs = await readySnapshot(custom, ns, "restored", {
    source: { volumeSnapshotContentName: contentName },
  });
  assert.equal(vs.status?.boundVolumeSnapshotContentName, contentName);
  assert.equal(vs.status?.restoreSize, "2Gi");
});
