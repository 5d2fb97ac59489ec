/**
 * The exposers' VolumeSnapshots, in the server's namespace and each named after its DataUpload:
 * one that changes (ready to use, say) moves its DataUpload's exposure on at once, rather than at
 * the exposure's next look. Watched only where the snapshot API is served; where it is not, no
 * snapshot is ever exposed.
 */
import { makeInformer, type KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { VolumeSnapshot } from "../api/csi-snapshots.js";
import type { KubeClient } from "../kube/client.js";
import { isNotFound } from "../kube/errors.js";
import { type Cache, feed, startInformer } from "../kube/informer.js";
import { SNAPSHOT_API, snapshotsPath } from "../volumes/csi-paths.js";

export async function watchExposerSnapshots(
  kc: KubeConfig,
  client: KubeClient,
  namespace: string,
  onChange: (key: string) => void,
  log: Logger,
): Promise<Cache<VolumeSnapshot> | undefined> {
  try {
    await client.get(`/apis/${SNAPSHOT_API}`);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
  const path = snapshotsPath(namespace);
  const snapshots = makeInformer<VolumeSnapshot>(kc, path, () => client.get(path)) as Cache<VolumeSnapshot>;
  await startInformer("exposer volume snapshots", snapshots, log);
  feed(snapshots, onChange);
  return snapshots;
}
