/** The REST paths of the snapshot.storage.k8s.io/v1 objects CSI snapshots are made of. */
export const SNAPSHOT_GROUP = "snapshot.storage.k8s.io";
export const SNAPSHOT_API = `${SNAPSHOT_GROUP}/v1`;

export const snapshotsPath = (namespace: string) =>
  `/apis/${SNAPSHOT_API}/namespaces/${encodeURIComponent(namespace)}/volumesnapshots`;
export const snapshotContentsPath = () => `/apis/${SNAPSHOT_API}/volumesnapshotcontents`;
export const snapshotClassesPath = () => `/apis/${SNAPSHOT_API}/volumesnapshotclasses`;
