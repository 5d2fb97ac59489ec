/** Names of what the node simulator and its CSI driver put into the cluster. */
export const CSI_DRIVER = "local.csi.velero-ts.io";
export const DEFAULT_STORAGE_CLASS = "standard";
export const IMMEDIATE_STORAGE_CLASS = "standard-immediate";
export const SNAPSHOT_CLASS = "local-snapclass";
export const NODE_NAME_PREFIX = "local-node-";

/**
 * A pod whose restartPolicy is not Always and that carries this annotation ends as
 * Succeeded that many seconds after it starts running; without it, its containers run on.
 */
export const EXIT_AFTER_SECONDS_ANNOTATION = "local-cluster.velero-ts.io/exit-after-seconds";

// Well-known Kubernetes annotations the simulator plays its part in.
export const SELECTED_NODE_ANNOTATION = "volume.kubernetes.io/selected-node";
export const STORAGE_PROVISIONER_ANNOTATIONS = [
  "volume.kubernetes.io/storage-provisioner",
  "volume.beta.kubernetes.io/storage-provisioner",
];
export const PROVISIONED_BY_ANNOTATION = "pv.kubernetes.io/provisioned-by";
export const DEFAULT_STORAGE_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class";
export const DEFAULT_SNAPSHOT_CLASS_ANNOTATION = "snapshot.storage.kubernetes.io/is-default-class";

export { SNAPSHOT_GROUP, SNAPSHOT_VERSION } from "../../api/csi-snapshots.js";
