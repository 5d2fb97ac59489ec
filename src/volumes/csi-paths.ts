/** The REST paths of the snapshot.storage.k8s.io/v1 objects CSI snapshots are made of. */
import { SNAPSHOT_GROUP, SNAPSHOT_VERSION } from "../api/csi-snapshots.js";

export const SNAPSHOT_API = `${SNAPSHOT_GROUP}/${SNAPSHOT_VERSION}`;

export const snapshotsPath = (namespace: string) =>
  `/apis/${SNAPSHOT_API}/namespaces/${encodeURIComponent(namespace)}/volumesnapshots`;
export const snapshotContentsPath = () => `/apis/${SNAPSHOT_API}/volumesnapshotcontents`;
export const snapshotClassesPath = () => `/apis/${SNAPSHOT_API}/volumesnapshotclasses`;
