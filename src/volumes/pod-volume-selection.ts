/**
 * Which volumes of a pod a backup takes with file-system backup, by Velero's rules: with
 * `defaultVolumesToFsBackup` off, those the pod names in `backup.velero.io/backup-volumes`
 * (opt-in); with it on, every volume except those named in `backup.velero.io/backup-volumes-excludes`
 * and the kinds whose data is not on the node's disk or comes from the cluster's own state
 * (hostPath, secret, configMap, projected, downwardAPI, and the default service account token).
 */
import type { V1Pod } from "@kubernetes/client-node";
import { BACKUP_VOLUMES_ANNOTATION, BACKUP_VOLUMES_EXCLUDES_ANNOTATION } from "../api/labels.js";

export interface PodVolumeChoice {
  /** Volumes to back up, in the pod's order (opt-in: the annotation's order). */
  volumes: string[];
  /** Volumes the pod opted out of (with the default on): recorded as skipped. */
  optedOut: string[];
}

const annotationList = (pod: V1Pod, name: string) =>
  (pod.metadata?.annotations?.[name] ?? "")
    .split(",")
    .map((v) => v.trim())
    .filter((v) => v !== "");

export function podVolumesToBackUp(pod: V1Pod, defaultVolumesToFsBackup: boolean): PodVolumeChoice {
  if (!defaultVolumesToFsBackup)
    return { volumes: [...new Set(annotationList(pod, BACKUP_VOLUMES_ANNOTATION))], optedOut: [] };
  const excluded = new Set(annotationList(pod, BACKUP_VOLUMES_EXCLUDES_ANNOTATION));
  const choice: PodVolumeChoice = { volumes: [], optedOut: [] };
  for (const v of pod.spec?.volumes ?? []) {
    if (v.hostPath || v.secret || v.configMap || v.projected || v.downwardAPI) continue;
    if (excluded.has(v.name)) choice.optedOut.push(v.name);
    else if (!v.name.startsWith("default-token")) choice.volumes.push(v.name);
  }
  return choice;
}

/**
 * Why a chosen volume cannot be backed up from this pod, or undefined when it can: the pod does
 * not declare it, no container mounts it (the kubelet only mounts what containers use), or it
 * is a hostPath volume (outside the kubelet's pods directory).
 */
export function podVolumeUnusable(pod: V1Pod, volume: string): string | undefined {
  const declared = pod.spec?.volumes?.find((v) => v.name === volume);
  const where = `pod ${pod.metadata?.namespace}/${pod.metadata?.name}`;
  if (!declared) return `${where} has no volume named ${volume}`;
  if (declared.hostPath)
    return `volume ${volume} of ${where} is a hostPath volume, which file-system backup cannot read`;
  const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  if (!containers.some((c) => c.volumeMounts?.some((m) => m.name === volume)))
    return `volume ${volume} is declared in ${where} but not mounted by any container`;
  return undefined;
}
