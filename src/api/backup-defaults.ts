import { parseDuration } from "./duration.js";
import {
  DEFAULT_VOLUME_GROUP_SNAPSHOT_LABEL_KEY,
  RESOURCE_TIMEOUT_ANNOTATION,
  SOURCE_CLUSTER_K8S_GIT_VERSION_ANNOTATION,
  SOURCE_CLUSTER_K8S_MAJOR_VERSION_ANNOTATION,
  SOURCE_CLUSTER_K8S_MINOR_VERSION_ANNOTATION,
} from "./labels.js";
import type { BackupSpec } from "./v1/index.js";

/** What the server fills into a backup it accepts where the backup leaves it unset. */
export interface BackupServerDefaults {
  csiSnapshotTimeout: string;
  itemOperationTimeout: string;
  defaultVolumesToFsBackup: boolean;
  snapshotMoveData: boolean;
  volumeGroupSnapshotLabelKey: string;
  /** The server's `--resource-timeout`, recorded on each backup. */
  resourceTimeout: string;
}

/** Velero's server defaults, in the form Velero writes them. */
export const VELERO_BACKUP_DEFAULTS: BackupServerDefaults = {
  csiSnapshotTimeout: "10m0s",
  itemOperationTimeout: "4h0m0s",
  defaultVolumesToFsBackup: false,
  snapshotMoveData: false,
  volumeGroupSnapshotLabelKey: DEFAULT_VOLUME_GROUP_SNAPSHOT_LABEL_KEY,
  resourceTimeout: "10m0s",
};

/**
 * VolumeSnapshots and VolumeSnapshotContents found in the cluster are never backed up as items:
 * they are intermediate objects, and the volume snapshots a backup takes are handled on their own.
 * Velero adds them to every backup's excludes.
 */
export const SNAPSHOT_RESOURCES_NAMESPACED = ["volumesnapshots.snapshot.storage.k8s.io"];
export const SNAPSHOT_RESOURCES_CLUSTER = ["volumesnapshotcontents.snapshot.storage.k8s.io"];

/** Velero's test for the older filters (resources and includeClusterResources) over the scoped ones. */
export function usesOldResourceFilters(spec: BackupSpec): boolean {
  return (
    (spec.includeClusterResources ?? null) !== null ||
    (spec.includedResources?.length ?? 0) > 0 ||
    (spec.excludedResources?.length ?? 0) > 0
  );
}

/**
 * The spec as Velero's backup controller completes it: defaults where unset (a zero duration is
 * unset, as in Velero), the snapshot resources excluded in the filters the backup uses. What the
 * user set stays. Throws for a duration that is not one.
 */
export function withBackupDefaults(
  spec: BackupSpec,
  defaults: BackupServerDefaults = VELERO_BACKUP_DEFAULTS,
): BackupSpec {
  const unset = (duration: string | undefined) => !duration || parseDuration(duration) === 0;
  const filled: BackupSpec = {
    ...spec,
    metadata: spec.metadata ?? {},
    hooks: spec.hooks ?? {},
    volumeGroupSnapshotLabelKey: spec.volumeGroupSnapshotLabelKey || defaults.volumeGroupSnapshotLabelKey,
    csiSnapshotTimeout: unset(spec.csiSnapshotTimeout)
      ? defaults.csiSnapshotTimeout
      : spec.csiSnapshotTimeout,
    itemOperationTimeout: unset(spec.itemOperationTimeout)
      ? defaults.itemOperationTimeout
      : spec.itemOperationTimeout,
    defaultVolumesToFsBackup:
      spec.defaultVolumesToRestic === true
        ? true
        : (spec.defaultVolumesToFsBackup ?? defaults.defaultVolumesToFsBackup),
    snapshotMoveData: spec.snapshotMoveData ?? defaults.snapshotMoveData,
  };
  if (usesOldResourceFilters(spec)) {
    const all = [...SNAPSHOT_RESOURCES_NAMESPACED, ...SNAPSHOT_RESOURCES_CLUSTER];
    [filled.includedResources, filled.excludedResources] = excluding(
      spec.includedResources,
      spec.excludedResources,
      all,
    );
  } else {
    [filled.includedClusterScopedResources, filled.excludedClusterScopedResources] = excluding(
      spec.includedClusterScopedResources,
      spec.excludedClusterScopedResources,
      SNAPSHOT_RESOURCES_CLUSTER,
    );
    [filled.includedNamespaceScopedResources, filled.excludedNamespaceScopedResources] = excluding(
      spec.includedNamespaceScopedResources,
      spec.excludedNamespaceScopedResources,
      SNAPSHOT_RESOURCES_NAMESPACED,
    );
  }
  return filled;
}

/** Adds `added` to the excludes (once) and takes every exclude out of the includes, as Velero does. */
function excluding(
  includes: string[] | undefined,
  excludes: string[] | undefined,
  added: string[],
): [string[] | undefined, string[]] {
  const excluded = [...(excludes ?? []), ...added.filter((name) => !excludes?.includes(name))];
  return [includes?.filter((name) => !excluded.includes(name)), excluded];
}

/** The annotations Velero's controller puts on a backup it accepts: the cluster's version and its resource timeout. */
export function backupAnnotations(
  version: { gitVersion: string; major: string; minor: string },
  defaults: BackupServerDefaults = VELERO_BACKUP_DEFAULTS,
): Record<string, string> {
  return {
    [SOURCE_CLUSTER_K8S_GIT_VERSION_ANNOTATION]: version.gitVersion,
    [SOURCE_CLUSTER_K8S_MAJOR_VERSION_ANNOTATION]: version.major,
    [SOURCE_CLUSTER_K8S_MINOR_VERSION_ANNOTATION]: version.minor,
    [RESOURCE_TIMEOUT_ANNOTATION]: defaults.resourceTimeout,
  };
}
