/**
 * `velero-ts node-agent`: one per node (a DaemonSet in a cluster, a process per simulated node in
 * local-cluster). Moves the volume data of the pods on its node: PodVolumeBackups up into the
 * backup repositories, PodVolumeRestores back into restored pods' volumes.
 */
import path from "node:path";
import { promises as fs } from "node:fs";
import type { Logger } from "pino";
import {
  metaTimeNow as now,
  type PodVolumeBackup,
  type PodVolumePhase,
  type PodVolumeRestore,
} from "../api/v1/index.js";
import { KubeClient } from "../kube/client.js";
import { loadKubeConfig } from "../kube/config.js";
import { errorMessage } from "../kube/errors.js";
import { feed, getByKey, keyOf, startInformer } from "../kube/informer.js";
import { CoreV1Api, makeInformer, type V1PersistentVolumeClaim, type V1Pod } from "@kubernetes/client-node";
import { DATA_DOWNLOAD_LABEL, DATA_UPLOAD_LABEL } from "../api/labels.js";
import { VeleroClient } from "../kube/velero-client.js";
import { WorkQueue } from "../kube/work-queue.js";
import { veleroInformer } from "../server/velero-informers.js";
import { NODE_AGENT_RENEW_MS, renewNodeAgentLease } from "../volumes/node-agent-presence.js";
import { RepositoryConnections } from "../volumes/kopia/repository-connections.js";
import { makeWorkDir } from "../workdirs/work-dirs.js";
import { PodVolumeBackupController, type AgentContext } from "./pod-volume-backup-controller.js";
import { PodVolumeRestoreController } from "./pod-volume-restore-controller.js";
import { DataUploadController } from "./data-upload-controller.js";
import { DataDownloadController } from "./data-download-controller.js";
import { watchExposerSnapshots } from "./exposer-snapshots.js";
import type { DataDownload, DataUpload } from "../api/v2alpha1/data-movement.js";
import { DEFAULT_IMAGE } from "../install/options.js";

export interface NodeAgentOptions {
  namespace: string;
  kubeconfig?: string;
  kubecontext?: string;
  /** The node this agent serves. */
  node: string;
  /** The kubelet's pods directory on the node. */
  hostPodsDir: string;
  kopiaBinary: string;
  /** Volumes moved at once on this node (Velero's node agent load concurrency, 1 by default). */
  concurrency: number;
  /** `--data-mover-prepare-timeout`: how long a DataUpload's exposure may take. */
  dataMoverPrepareTimeoutMs: number;
}

export interface RunningNodeAgent {
  stop(): Promise<void>;
}

/** Exposures worked on at once: each is a few requests and then a wait for its pod. */
const PREPARE_CONCURRENCY = 8;

/** Phases of work under way: found at start, they belong to an agent that stopped mid-way. */
const UNDER_WAY: readonly PodVolumePhase[] = ["Accepted", "Prepared", "InProgress"];

export async function startNodeAgent(options: NodeAgentOptions, log: Logger): Promise<RunningNodeAgent> {
  const kc = loadKubeConfig(options.kubeconfig, options.kubecontext);
  const client = new KubeClient(kc);
  const velero = new VeleroClient(client, options.namespace);
  const workDir = await makeWorkDir("node-agent");
  const ctx: AgentContext = {
    velero,
    node: options.node,
    hostPodsDir: path.resolve(options.hostPodsDir),
    repositories: new RepositoryConnections(
      velero,
      () => Promise.resolve(options.kopiaBinary),
      () => Promise.resolve(path.join(workDir, "kopia")),
      false,
    ),
    log,
  };
  const backups = veleroInformer<PodVolumeBackup>(kc, options.namespace, "podvolumebackups");
  const restores = veleroInformer<PodVolumeRestore>(kc, options.namespace, "podvolumerestores");
  const uploads = veleroInformer<DataUpload>(kc, options.namespace, "datauploads");
  const backupController = new PodVolumeBackupController(ctx, backups);
  const restoreController = new PodVolumeRestoreController(ctx, restores);
  const downloads = veleroInformer<DataDownload>(kc, options.namespace, "datadownloads");
  // Exposer pods: one that starts running moves its DataUpload or DataDownload on at once.
  const core = kc.makeApiClient(CoreV1Api);
  const exposerPods = makeInformer<V1Pod>(kc, `/api/v1/namespaces/${options.namespace}/pods`, () =>
    core.listNamespacedPod({ namespace: options.namespace }),
  );
  const dataMover = { prepareTimeoutMs: options.dataMoverPrepareTimeoutMs, image: DEFAULT_IMAGE };
  // Exposer claims: one that binds moves its exposure on, and a look reads it here, not from the API.
  const exposerClaims = makeInformer<V1PersistentVolumeClaim>(
    kc,
    `/api/v1/namespaces/${options.namespace}/persistentvolumeclaims`,
    () => core.listNamespacedPersistentVolumeClaim({ namespace: options.namespace }),
  );
  const uploadController = new DataUploadController(ctx, uploads, dataMover, (ns, name) => ({
    pod: exposerPods.get(name, ns),
    claim: exposerClaims.get(name, ns),
  }));
  const downloadController = new DataDownloadController(ctx, downloads, dataMover);
  const backupQueue = new WorkQueue(
    "podvolumebackups",
    (k) => backupController.reconcile(k),
    log,
    options.concurrency,
  );
  const restoreQueue = new WorkQueue(
    "podvolumerestores",
    (k) => restoreController.reconcile(k),
    log,
    options.concurrency,
  );
  // Transfers of each kind are bounded per node by --concurrency; exposing has queues of its own.
  const prepareQueue = new WorkQueue(
    "datauploads-prepare",
    (k) => uploadController.prepare(k),
    log,
    PREPARE_CONCURRENCY,
  );
  const uploadQueue = new WorkQueue(
    "datauploads",
    (k) => uploadController.transfer(k),
    log,
    options.concurrency,
  );
  const downloadPrepareQueue = new WorkQueue(
    "datadownloads-prepare",
    (k) => downloadController.prepare(k),
    log,
    PREPARE_CONCURRENCY,
  );
  const downloadQueue = new WorkQueue(
    "datadownloads",
    (k) => downloadController.transfer(k),
    log,
    options.concurrency,
  );

  const heartbeat = () =>
    renewNodeAgentLease(client, options.namespace, options.node).catch((err: unknown) =>
      log.warn({ err: errorMessage(err) }, "could not renew the node agent's lease"),
    );
  await heartbeat();
  const heartbeats = setInterval(() => void heartbeat(), NODE_AGENT_RENEW_MS);

  await startInformer("podvolumebackups", backups, log);
  await startInformer("podvolumerestores", restores, log);
  await startInformer("datauploads", uploads, log);
  await startInformer("datadownloads", downloads, log);
  await startInformer("exposer pods", exposerPods, log);
  await startInformer("exposer claims", exposerClaims, log);
  await failInterrupted(velero, options.node, backups.list(), restores.list(), restoreController, log);
  await failInterruptedMovements(options.node, uploads.list(), uploadController, "uploading", log);
  await failInterruptedMovements(options.node, downloads.list(), downloadController, "writing", log);
  feed(backups, (k) => backupQueue.add(k));
  feed(restores, (k) => restoreQueue.add(k));
  feed(uploads, (k) => {
    prepareQueue.add(k);
    uploadQueue.add(k);
  });
  feed(downloads, (k) => {
    downloadPrepareQueue.add(k);
    downloadQueue.add(k);
  });
  feed(exposerPods, (k) => {
    const labels = getByKey(exposerPods, k)?.metadata?.labels ?? {};
    if (labels[DATA_UPLOAD_LABEL]) prepareQueue.add(k);
    if (labels[DATA_DOWNLOAD_LABEL]) downloadPrepareQueue.add(k);
  });
  // An exposer claim's or clone snapshot's key is its DataUpload's: any other key is let go of.
  const exposureChanged = (k: string) => {
    if (getByKey(uploads, k)) prepareQueue.add(k);
  };
  feed(exposerClaims, exposureChanged);
  const exposerSnapshots = await watchExposerSnapshots(kc, client, options.namespace, exposureChanged, log);
  backups.list().forEach((b) => backupQueue.add(keyOf(b)));
  restores.list().forEach((r) => restoreQueue.add(keyOf(r)));
  uploads.list().forEach((u) => {
    prepareQueue.add(keyOf(u));
    uploadQueue.add(keyOf(u));
  });
  downloads.list().forEach((d) => {
    downloadPrepareQueue.add(keyOf(d));
    downloadQueue.add(keyOf(d));
  });
  log.info({ namespace: options.namespace }, "node agent started");
  return {
    async stop() {
      clearInterval(heartbeats);
      await backups.stop();
      await restores.stop();
      await uploads.stop();
      await downloads.stop();
      await exposerPods.stop();
      await exposerClaims.stop();
      await exposerSnapshots?.stop();
      client.close();
      await fs.rm(workDir, { recursive: true, force: true });
    },
  };
}

/**
 * Work of this node left under way by an agent that stopped (killed, node restarted) can never
 * finish: it is marked Failed (a restore's pod released too), so the backup or restore waiting
 * for it goes on, as Velero's node agent does on start.
 */
async function failInterrupted(
  velero: VeleroClient,
  node: string,
  backups: readonly PodVolumeBackup[],
  restores: readonly PodVolumeRestore[],
  restoreController: PodVolumeRestoreController,
  log: Logger,
): Promise<void> {
  const message = (phase: string) =>
    `the node agent on ${node} restarted while this was ${phase}: the data it was moving is incomplete; run the backup or restore again`;
  const underWay = (phase: PodVolumePhase | undefined) => UNDER_WAY.includes(phase ?? "New");
  const stale = [
    ...backups
      .filter((b) => b.spec.node === node && underWay(b.status?.phase))
      .map((b) => ({
        plural: "podvolumebackups",
        name: b.metadata.name!,
        fail: () =>
          velero.patchStatus("podvolumebackups", b.metadata.name!, {
            phase: "Failed",
            message: message(b.status!.phase!),
            completionTimestamp: now(),
          }),
      })),
    ...restores
      .filter((r) => r.status?.node === node && underWay(r.status?.phase))
      .map((r) => ({
        plural: "podvolumerestores",
        name: r.metadata.name!,
        fail: () => restoreController.failInterrupted(r, message(r.status!.phase!)),
      })),
  ];
  for (const { plural, name, fail } of stale) {
    try {
      await fail();
      log.warn({ [plural]: name }, "marked failed: it was under way when the agent stopped");
    } catch (err) {
      log.warn({ [plural]: name, err: errorMessage(err) }, "could not mark failed");
    }
  }
}

/** Data movements of this node left InProgress by an agent that stopped: the data they moved is incomplete. */
async function failInterruptedMovements<T extends DataUpload | DataDownload>(
  node: string,
  movements: readonly T[],
  controller: { failInterrupted(m: T, message: string): Promise<void> },
  doing: string,
  log: Logger,
): Promise<void> {
  for (const m of movements.filter((u) => u.status?.node === node && u.status.phase === "InProgress")) {
    try {
      await controller.failInterrupted(
        m,
        `the node agent on ${node} restarted while this was InProgress: the data it was ${doing} is incomplete; run the ${m.kind === "DataUpload" ? "backup" : "restore"} again`,
      );
      log.warn({ [m.kind]: m.metadata.name }, "marked failed: it was under way when the agent stopped");
    } catch (err) {
      log.warn({ [m.kind]: m.metadata.name, err: errorMessage(err) }, "could not mark failed");
    }
  }
}
