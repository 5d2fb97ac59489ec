/**
 * File-system backup in a backup, as Velero's pod volume backupper does it: for each pod, the
 * volumes chosen by Velero's rules (see pod-volume-selection.ts) get a PodVolumeBackup each, which
 * the node agent on the pod's node uploads into the repository of the pod's namespace. A claim
 * whose volume is chosen is never snapshotted too, whether or not its upload can happen. The
 * backup waits for every PodVolumeBackup at its end (up to the pod volume operation timeout);
 * a volume that fails or runs out of time is an error of its pod alone.
 */
import type { V1PersistentVolumeClaim, V1Pod } from "@kubernetes/client-node";
import {
  BACKUP_NAME_LABEL,
  BACKUP_UID_LABEL,
  POD_VOLUME_TIMEOUT_ANNOTATION,
  PVC_NAME_ANNOTATION,
  PVC_UID_LABEL,
} from "../api/labels.js";
import { parseDuration } from "../api/duration.js";
import {
  controllerReference,
  FINISHED_POD_VOLUME_PHASES,
  VELERO_API_VERSION,
  type Backup,
  type PodVolumeBackup,
} from "../api/v1/index.js";
import { labelValue } from "../filters/label-value.js";
import type { BackupItemAction } from "../items/backup-item-action.js";
import type { KubeClient } from "../kube/client.js";
import { coreResource } from "../kube/discovery.js";
import { errorMessage } from "../kube/errors.js";
import { listPages } from "../kube/list.js";
import { VeleroClient } from "../kube/velero-client.js";
import { withChangeWakeup } from "../kube/change-watch.js";
import type { BackupRepositories } from "./backup-repositories.js";
import type { BackupVolumeRecords } from "./backup-volume-records.js";
import { nodeAgentRunning } from "./node-agent-presence.js";
import { podVolumesToBackUp, podVolumeUnusable } from "./pod-volume-selection.js";

/** Velero's default `--fs-backup-timeout`. */
export const DEFAULT_POD_VOLUME_TIMEOUT = "4h";
const POLL_MS = 1000;

export interface PodVolumeBackupContext {
  client: KubeClient;
  backup: Backup;
  volumes: BackupVolumeRecords;
  /** The server's repositories; without them (no kopia here) chosen volumes fail with why. */
  repositories?: BackupRepositories;
}

/** The claims whose volumes a backup takes with file-system backup, found from the pods that mount them. */
export class FsBackupClaims {
  readonly #byNamespace = new Map<string, Promise<Set<string>>>();

  constructor(
    private readonly client: KubeClient,
    private readonly backup: Backup,
  ) {}

  /** Whether some pod of the claim's namespace chose the claim's volume for file-system backup. */
  async takes(namespace: string, claim: string): Promise<boolean> {
    this.prefetch([namespace]);
    return (await this.#byNamespace.get(namespace)!).has(claim);
  }

  /**
   * Starts reading the pods of these namespaces, those not read yet: a LIST each, or one LIST of
   * the cluster's pods when there are more than a few.
   */
  prefetch(namespaces: readonly string[]): void {
    const unread = namespaces.filter((ns) => !this.#byNamespace.has(ns));
    const lists =
      unread.length <= NAMESPACE_POD_LISTS
        ? unread.map((ns) => ({ namespaces: [ns], read: this.#chosenClaims(ns) }))
        : [{ namespaces: unread, read: this.#chosenClaims(undefined) }];
    for (const { namespaces: listed, read } of lists)
      for (const ns of listed)
        this.#remember(
          ns,
          read.then((byNs) => byNs.get(ns) ?? new Set()),
        );
  }

  /** The claims chosen by the pods of a namespace (or of the cluster), by namespace. */
  async #chosenClaims(namespace: string | undefined): Promise<Map<string, Set<string>>> {
    const claims = new Map<string, Set<string>>();
    for await (const page of listPages(this.client, PODS, { namespace })) {
      for (const pod of page as V1Pod[]) {
        const ns = pod.metadata?.namespace ?? "";
        if (!claims.has(ns)) claims.set(ns, new Set());
        for (const claim of chosenClaims(pod, this.backup)) claims.get(ns)!.add(claim);
      }
    }
    return claims;
  }

  #remember(namespace: string, claims: Promise<Set<string>>): void {
    claims.catch(() => undefined); // a read no claim awaits must not go unhandled; takes() throws it
    this.#byNamespace.set(namespace, claims);
  }
}

/** Namespaces whose pods are listed one by one; past that, the cluster's pods are listed once. */
const NAMESPACE_POD_LISTS = 8;
const PODS = coreResource("pods", "Pod", true);

function chosenClaims(pod: V1Pod, backup: Backup): string[] {
  const { volumes } = podVolumesToBackUp(pod, backup.spec.defaultVolumesToFsBackup === true);
  return (pod.spec?.volumes ?? []).flatMap((v) =>
    volumes.includes(v.name) && v.persistentVolumeClaim ? [v.persistentVolumeClaim.claimName] : [],
  );
}

export function podVolumeBackupAction(ctx: PodVolumeBackupContext): BackupItemAction {
  const velero = new VeleroClient(ctx.client, ctx.backup.metadata.namespace!);
  return {
    name: "velero.io/pod-volume-backup",
    appliesTo: ["pods"],
    async execute({ item }) {
      const pod = item as V1Pod;
      const { volumes, optedOut } = podVolumesToBackUp(
        pod,
        ctx.backup.spec.defaultVolumesToFsBackup === true,
      );
      for (const volume of optedOut)
        await skipClaim(pod, volume, `opted out of file-system backup by pod ${podName(pod)}'s annotation`);
      if (!volumes.length) return undefined;
      const node = pod.spec?.nodeName;
      let notPossible: string | undefined;
      if (pod.status?.phase !== "Running")
        notPossible = `pod ${podName(pod)} is not running (phase ${pod.status?.phase ?? "unknown"}): file-system backup reads the volumes of running pods only`;
      else if (!node || !(await nodeAgentRunning(ctx.client, velero.namespace, node)))
        notPossible = `no node agent runs on node ${node ?? "(none)"} of pod ${podName(pod)}: start one (velero-ts node-agent, or install --use-node-agent)`;
      if (notPossible) {
        for (const volume of volumes) await skipClaim(pod, volume, notPossible);
        return undefined;
      }
      const errors: string[] = [];
      for (const volume of volumes) {
        try {
          const skipped = await backUpVolume(pod, volume, node!);
          if (skipped) await skipClaim(pod, volume, skipped);
        } catch (err) {
          errors.push(
            `pod volume backup of volume ${volume} of pod ${podName(pod)} failed: ${errorMessage(err)}`,
          );
        }
      }
      return errors.length ? { errors } : undefined;
    },
  };

  /** Creates the volume's PodVolumeBackup; returns why it is skipped instead, if it is. */
  async function backUpVolume(pod: V1Pod, volume: string, node: string): Promise<string | undefined> {
    const unusable = podVolumeUnusable(pod, volume);
    if (unusable) return unusable;
    const ns = pod.metadata!.namespace!;
    const claimName = pod.spec!.volumes!.find((v) => v.name === volume)!.persistentVolumeClaim?.claimName;
    const claim = claimName
      ? await ctx.client.get<V1PersistentVolumeClaim>(
          `/api/v1/namespaces/${ns}/persistentvolumeclaims/${claimName}`,
        )
      : undefined;
    if (claim?.spec?.volumeMode === "Block")
      return `claim ${ns}/${claimName} is a block-mode volume, which file-system backup cannot read`;
    if (!ctx.repositories)
      throw new Error("the server has no kopia to make the namespace's backup repository with");
    await ctx.repositories.ensure(ctx.backup.spec.storageLocation!, ns);
    const { backup } = ctx;
    const pvb: PodVolumeBackup = {
      apiVersion: VELERO_API_VERSION,
      kind: "PodVolumeBackup",
      metadata: {
        generateName: `${backup.metadata.name}-`,
        namespace: velero.namespace,
        labels: {
          [BACKUP_NAME_LABEL]: labelValue(backup.metadata.name!),
          [BACKUP_UID_LABEL]: backup.metadata.uid ?? "",
          ...(claim ? { [PVC_UID_LABEL]: claim.metadata?.uid ?? "" } : {}),
        },
        ...(claim ? { annotations: { [PVC_NAME_ANNOTATION]: claimName! } } : {}),
        ownerReferences: [controllerReference(backup)],
      },
      spec: {
        node,
        pod: { kind: "Pod", namespace: ns, name: pod.metadata!.name!, uid: pod.metadata!.uid! },
        volume,
        backupStorageLocation: backup.spec.storageLocation!,
        repoIdentifier: "",
        uploaderType: "kopia",
        tags: {
          backup: backup.metadata.name!,
          "backup-uid": backup.metadata.uid ?? "",
          pod: pod.metadata!.name!,
          "pod-uid": pod.metadata!.uid!,
          ns,
          volume,
          ...(claim ? { "pvc-uid": claim.metadata?.uid ?? "" } : {}),
        },
      },
    };
    const created = await velero.create<PodVolumeBackup>("podvolumebackups", pvb);
    ctx.volumes.podVolumeBackups.push({
      podVolumeBackup: created,
      ...(claim ? { pvcName: claimName!, pvcNamespace: ns, pvName: claim.spec?.volumeName } : {}),
    });
    return undefined;
  }

  /** Records why a claim's volume has no file-system backup (volume info says it if no other method took it). */
  async function skipClaim(pod: V1Pod, volume: string, reason: string): Promise<void> {
    const claimName = pod.spec?.volumes?.find((v) => v.name === volume)?.persistentVolumeClaim?.claimName;
    if (!claimName) return;
    const claim = await ctx.client
      .get<V1PersistentVolumeClaim>(
        `/api/v1/namespaces/${pod.metadata!.namespace!}/persistentvolumeclaims/${claimName}`,
      )
      .catch(() => undefined);
    const pv = claim?.spec?.volumeName;
    if (pv) ctx.volumes.skip(pv, reason);
  }
}

const podName = (pod: V1Pod) => `${pod.metadata?.namespace}/${pod.metadata?.name}`;

/** How long a backup waits for its pod volume backups: its annotation, else the server's setting. */
export function podVolumeTimeoutMs(backup: Backup, serverDefault: string): number {
  const annotated = backup.metadata.annotations?.[POD_VOLUME_TIMEOUT_ANNOTATION];
  if (annotated) {
    try {
      return parseDuration(annotated);
    } catch {
      // A bad annotation falls back to the server's setting, as Velero's does.
    }
  }
  return parseDuration(serverDefault);
}

/**
 * Waits until every PodVolumeBackup the backup made has finished, or the time is up; keeps each
 * one's last state in the records, and returns the errors of those that failed or ran out of time
 * (those are cancelled, so their agents stop).
 */
export async function finishPodVolumeBackups(
  client: KubeClient,
  backup: Backup,
  records: BackupVolumeRecords,
  timeoutMs: number,
): Promise<{ namespace: string; message: string }[]> {
  if (!records.podVolumeBackups.length) return [];
  const velero = new VeleroClient(client, backup.metadata.namespace!);
  const deadline = Date.now() + timeoutMs;
  const selector = `${BACKUP_NAME_LABEL}=${labelValue(backup.metadata.name!)}`;
  // Read again as soon as one of them changes, not only every POLL_MS.
  await withChangeWakeup(
    client.kubeConfig,
    [{ path: velero.path("podvolumebackups"), labelSelector: selector }],
    async (wakeup) => {
      for (;;) {
        const byUid = new Map(
          (await velero.list<PodVolumeBackup>("podvolumebackups", selector)).map((p) => [p.metadata.uid, p]),
        );
        for (const r of records.podVolumeBackups)
          r.podVolumeBackup = byUid.get(r.podVolumeBackup.metadata.uid) ?? r.podVolumeBackup;
        const open = records.podVolumeBackups.filter(
          (r) => !FINISHED_POD_VOLUME_PHASES.includes(r.podVolumeBackup.status?.phase ?? "New"),
        );
        if (!open.length || Date.now() > deadline) break;
        await wakeup.sleep(POLL_MS);
      }
    },
  );
  const errors: { namespace: string; message: string }[] = [];
  for (const r of records.podVolumeBackups) {
    const pvb = r.podVolumeBackup;
    const where = `volume ${pvb.spec.volume} of pod ${pvb.spec.pod.namespace}/${pvb.spec.pod.name}`;
    const phase = pvb.status?.phase ?? "New";
    if (phase === "Completed") continue;
    if (!FINISHED_POD_VOLUME_PHASES.includes(phase)) {
      await velero
        .patch("podvolumebackups", pvb.metadata.name!, { spec: { cancel: true } })
        .catch(() => undefined);
      errors.push({
        namespace: pvb.spec.pod.namespace!,
        message: `pod volume backup ${pvb.metadata.name} of ${where} timed out after ${timeoutMs / 1000}s (phase ${phase}): raise the server's --fs-backup-timeout or the backup's ${POD_VOLUME_TIMEOUT_ANNOTATION} annotation`,
      });
    } else
      errors.push({
        namespace: pvb.spec.pod.namespace!,
        message: `pod volume backup ${pvb.metadata.name} of ${where} ended ${phase}: ${pvb.status?.message ?? ""}`,
      });
  }
  return errors;
}
