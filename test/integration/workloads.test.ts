import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { AppsV1Api, CoreV1Api, type V1Pod } from "@kubernetes/client-node";
import { BlockStorage } from "../../src/local-cluster/block-storage.js";
import { ClusterLayout } from "../../src/local-cluster/layout.js";
import { clusterDir, kubeConfig, kubectl, testNamespace, waitUntil } from "./support.js";

const manifest = `
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      initContainers:
      - {name: first, image: busybox}
      - {name: second, image: busybox}
      containers:
      - name: web
        image: nginx
        volumeMounts: [{name: data, mountPath: /data}, {name: scratch, mountPath: /scratch}]
      volumes:
      - {name: data, persistentVolumeClaim: {claimName: data}}
      - {name: scratch, emptyDir: {}}
`;

test("a Deployment with a PVC applied by kubectl runs, binds, and shows its volume under the kubelet path", async (t) => {
  const ns = await testNamespace(t, "workload");
  const core = kubeConfig().makeApiClient(CoreV1Api);
  await kubectl(["apply", "-n", ns, "-f", "-"], manifest);
  await kubectl(["rollout", "status", "-n", ns, "deployment/web", "--timeout=60s"]);

  const pod = await waitUntil<V1Pod>("a Running pod", 30_000, async () => {
    const pods = await core.listNamespacedPod({ namespace: ns, labelSelector: "app=web" });
    return pods.items.find((p) => p.status?.phase === "Running");
  });
  assert.ok(pod.spec?.nodeName?.startsWith("local-node-"), "scheduled onto a simulated node");
  assert.ok(pod.status?.podIP, "has a pod IP");
  assert.ok(pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
  const init = pod.status?.initContainerStatuses ?? [];
  assert.deepEqual(
    init.map((s) => [s.name, s.state?.terminated?.reason]),
    [
      ["first", "Completed"],
      ["second", "Completed"],
    ],
  );
  assert.equal(pod.status?.containerStatuses?.[0]?.ready, true);

  const claim = await core.readNamespacedPersistentVolumeClaim({ name: "data", namespace: ns });
  assert.equal(claim.status?.phase, "Bound");
  assert.equal(claim.spec?.storageClassName, "standard", "the default StorageClass was applied");
  const pvName = claim.spec.volumeName!;
  const pv = await core.readPersistentVolume({ name: pvName });
  assert.equal(pv.spec?.csi?.driver, "local.csi.velero-ts.io");
  const handle = pv.spec.csi.volumeHandle;

  // Data written to the disk is what the pod sees through its kubelet volume directory.
  const layout = new ClusterLayout(clusterDir());
  const disk = new BlockStorage(layout.blockStorageDir).volumeDataPath(handle);
  await fs.writeFile(path.join(disk, "hello.txt"), "hello from the disk");
  const volumes = layout.podVolumesDir(pod.metadata!.uid!);
  const seen = await fs.readFile(
    path.join(volumes, "kubernetes.io~csi", pvName, "mount", "hello.txt"),
    "utf8",
  );
  assert.equal(seen, "hello from the disk");
  assert.ok((await fs.stat(path.join(volumes, "kubernetes.io~empty-dir", "scratch"))).isDirectory());

  // Deleting the workload and its claim releases the Delete-policy volume: the PV and its data go.
  await kubectl(["delete", "-n", ns, "deployment/web", "pvc/data", "--wait=true", "--timeout=60s"]);
  await waitUntil("the pod to be gone", 30_000, async () => {
    const pods = await core.listNamespacedPod({ namespace: ns });
    return pods.items.length === 0;
  });
  await waitUntil(`PV ${pvName} to be deleted`, 30_000, async () => {
    const pvs = await core.listPersistentVolume();
    return !pvs.items.some((p) => p.metadata?.name === pvName);
  });
  await assert.rejects(fs.access(disk), "the disk's data directory was deleted");
  await assert.rejects(fs.access(volumes), "the pod's kubelet directory was removed");
});

test("a StatefulSet's claims are provisioned and a DaemonSet runs one pod per node", async (t) => {
  const ns = await testNamespace(t, "sts");
  const apps = kubeConfig().makeApiClient(AppsV1Api);
  await kubectl(
    ["apply", "-n", ns, "-f", "-"],
    `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: postgres, volumeMounts: [{name: pgdata, mountPath: /var/lib/postgresql}]}]
  volumeClaimTemplates:
  - metadata: {name: pgdata}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 2Gi}}}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers: [{name: agent, image: busybox}]
`,
  );
  await waitUntil("StatefulSet db ready", 60_000, async () => {
    const sts = await apps.readNamespacedStatefulSet({ name: "db", namespace: ns });
    return sts.status?.readyReplicas === 2;
  });
  const pvcs = JSON.parse(await kubectl(["get", "pvc", "-n", ns, "-o", "json"])) as {
    items: { metadata: { name: string }; status: { phase: string } }[];
  };
  assert.deepEqual(pvcs.items.map((p) => [p.metadata.name, p.status.phase]).sort(), [
    ["pgdata-db-0", "Bound"],
    ["pgdata-db-1", "Bound"],
  ]);
  await waitUntil("DaemonSet agent on every node", 60_000, async () => {
    const ds = await apps.readNamespacedDaemonSet({ name: "agent", namespace: ns });
    return ds.status?.desiredNumberScheduled === 2 && ds.status.numberReady === 2;
  });
});

test("a Job's pod that exits completes the Job", async (t) => {
  const ns = await testNamespace(t, "job");
  await kubectl(
    ["apply", "-n", ns, "-f", "-"],
    `
apiVersion: batch/v1
kind: Job
metadata: {name: once}
spec:
  template:
    metadata:
      annotations: {local-cluster.velero-ts.io/exit-after-seconds: "1"}
    spec:
      restartPolicy: Never
      containers: [{name: work, image: busybox}]
`,
  );
  await kubectl(["wait", "-n", ns, "--for=condition=Complete", "job/once", "--timeout=60s"]);
  const pods = JSON.parse(await kubectl(["get", "pods", "-n", ns, "-o", "json"])) as {
    items: { status: { phase: string } }[];
  };
  assert.deepEqual(
    pods.items.map((p) => p.status.phase),
    ["Succeeded"],
  );
});

test("pods created at once are spread over the nodes, as kube-scheduler's assumed pods spread them", async (t) => {
  const ns = await testNamespace(t, "spread");
  const core = kubeConfig().makeApiClient(CoreV1Api);
  const podsPerNode = async () => {
    const counts = new Map<string, number>();
    for (const pod of (await core.listPodForAllNamespaces()).items)
      if (pod.spec?.nodeName) counts.set(pod.spec.nodeName, (counts.get(pod.spec.nodeName) ?? 0) + 1);
    return counts;
  };
  // Pods going away meanwhile would change the loads the scheduler weighs.
  await waitUntil("no pod to be terminating", 120_000, async () =>
    (await core.listPodForAllNamespaces()).items.every((p) => !p.metadata?.deletionTimestamp),
  );
  const nodes = (await core.listNode()).items.map((n) => n.metadata!.name!).sort();
  const before = await podsPerNode();
  const [fewer, more] = nodes.map((n) => before.get(n) ?? 0).sort((a, b) => a - b);
  const PODS = 10;
  assert.ok(
    more! - fewer! <= PODS,
    `the nodes' loads ${JSON.stringify([...before])} differ by more than ${PODS}`,
  );

  await Promise.all(
    Array.from({ length: PODS }, (_, i) =>
      core.createNamespacedPod({
        namespace: ns,
        body: { metadata: { name: `p${i}` }, spec: { containers: [{ name: "c", image: "busybox" }] } },
      }),
    ),
  );
  await waitUntil("every pod to be scheduled", 60_000, async () =>
    (await core.listNamespacedPod({ namespace: ns })).items.every((p) => p.spec?.nodeName),
  );

  const after = await podsPerNode();
  const loads = nodes.map((n) => after.get(n) ?? 0);
  assert.ok(Math.max(...loads) - Math.min(...loads) <= 1, `pods per node after: ${JSON.stringify(loads)}`);
});
