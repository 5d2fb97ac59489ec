import { promises as fs } from "node:fs";
import { parseArgs } from "node:util";
import { pino, type Logger } from "pino";
import { BlockStorage } from "../block-storage.js";
import { ClusterLayout } from "../layout.js";
import { loadKubeConfig } from "../../kube/config.js";
import { installDriver } from "./bootstrap.js";
import { feed, keyOf, splitKey } from "../../kube/informer.js";
import { makeCaches, startCaches } from "./informers.js";
import { Kubelet } from "./kubelet.js";
import { NodeHeartbeats, nodeNames } from "./nodes.js";
import { Provisioner } from "./provisioner.js";
import { Scheduler } from "./scheduler.js";
import { Snapshotter } from "./snapshotter.js";
import { errorMessage } from "../../kube/errors.js";
import { WorkQueue } from "../../kube/work-queue.js";

/**
 * The node simulator of local-cluster: the kubelets, the scheduler and the CSI driver
 * (provisioner and snapshotter) of a cluster whose API server and controllers are real.
 * Started by `velero-ts local-cluster up` as its own background process.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { dir: { type: "string" }, nodes: { type: "string" }, "crd-dir": { type: "string" } },
  });
  if (!values.dir || !values.nodes || !values["crd-dir"]) {
    throw new Error("usage: simulator --dir DIR --nodes N --crd-dir CRD_DIR");
  }
  const log = pino({ base: { component: "node-simulator" } });
  const layout = new ClusterLayout(values.dir);
  const kc = loadKubeConfig(layout.simulatorKubeconfig);
  const storage = new BlockStorage(layout.blockStorageDir);
  const names = nodeNames(Number(values.nodes));

  await retryUntilServed(log, "installing the CSI driver", () => installDriver(kc, values["crd-dir"]!));
  const caches = makeCaches(kc);
  const scheduler = new Scheduler(kc, caches, names, log);
  const kubelet = new Kubelet(kc, layout, caches, storage, names, log);
  const provisioner = new Provisioner(kc, caches, storage, log);
  const snapshotter = new Snapshotter(kc, caches, storage, log);

  const queues = {
    scheduling: new WorkQueue("scheduler", (k) => scheduler.reconcile(k), log),
    kubelet: new WorkQueue("kubelet", (k) => kubelet.reconcile(k), log),
    claims: new WorkQueue("provisioner-claims", (k) => provisioner.reconcileClaim(k), log),
    volumes: new WorkQueue("provisioner-volumes", (k) => provisioner.reconcileVolume(k), log),
    snapshots: new WorkQueue("snapshots", (k) => snapshotter.reconcileSnapshot(k), log),
    contents: new WorkQueue("snapshot-contents", (k) => snapshotter.reconcileContent(k), log),
  };
  const onPod = (key: string) => {
    queues.scheduling.add(key);
    queues.kubelet.add(key);
  };
  feed(caches.pods, onPod);
  feed(caches.pvcs, (k) => {
    queues.claims.add(k);
    // As kube-scheduler and the kubelet do on a claim's events: its pods look again (it may be bound now).
    const { namespace, name } = splitKey(k);
    for (const pod of caches.pods.list(namespace))
      if (pod.spec?.volumes?.some((v) => v.persistentVolumeClaim?.claimName === name)) onPod(keyOf(pod));
  });
  feed(caches.pvs, (k) => queues.volumes.add(k));
  feed(caches.snapshots, (k) => queues.snapshots.add(k));
  feed(caches.snapshotContents, (k) => {
    queues.contents.add(k);
    // As the snapshot-controller does, a pre-provisioned content bound to its snapshot (its
    // reference has the snapshot's uid) brings the snapshot's status up to date when it changes.
    const content = caches.snapshotContents.get(k);
    const ref = content?.spec?.volumeSnapshotRef;
    if (content?.spec?.source?.snapshotHandle && ref?.uid && ref.namespace && ref.name)
      queues.snapshots.add(`${ref.namespace}/${ref.name}`);
  });
  const report = (what: string) => (err: unknown) => log.warn({ err: String(err) }, `${what} cleanup failed`);
  caches.pods.on("delete", (pod) => void kubelet.podDeleted(pod).catch(report("pod")));
  caches.pvs.on("delete", (pv) => void provisioner.volumeDeleted(pv).catch(report("volume")));
  caches.snapshots.on("delete", (vs) => void snapshotter.snapshotDeleted(vs).catch(report("snapshot")));
  caches.snapshotContents.on(
    "delete",
    (c) => void snapshotter.contentDeleted(c).catch(report("snapshot content")),
  );

  const heartbeats = new NodeHeartbeats(kc, names, log);
  await retryUntilServed(log, "registering the nodes", () => heartbeats.start());
  await startCaches(caches, log);
  await fs.writeFile(layout.simulatorReadyFile, `${process.pid}\n`);
  log.info({ nodes: names }, "node simulator running");

  // A pod waits on claims, a claim on a snapshot: look at everything again now and then.
  setInterval(() => {
    for (const pod of caches.pods.list()) onPod(keyOf(pod));
    for (const claim of caches.pvcs.list()) if (!claim.spec?.volumeName) queues.claims.add(keyOf(claim));
  }, 30_000).unref();

  const stop = () => {
    heartbeats.stop();
    log.info("node simulator stopping");
    process.exit(0);
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

/** Like a kubelet, waits out an API server that is not answering yet. */
async function retryUntilServed(log: Logger, what: string, step: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (err) {
      if (attempt >= 60) throw err;
      log.warn({ err: errorMessage(err), attempt }, `${what} failed, trying again in 1s`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

main().catch((err: unknown) => {
  console.error(`node simulator failed: ${err instanceof Error ? err.stack : String(err)}`);
  process.exit(1);
});
