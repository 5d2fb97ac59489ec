import type { KubeClient } from "../kube/client.js";
import { groupResource, type ApiResource } from "../kube/discovery.js";
import { listAll } from "../kube/list.js";
import type { Item } from "../items/item.js";
import type { BackupIndex } from "../restore/backup-index.js";
import type { RestoreScope } from "../restore/scope.js";
import type { ClaimVolumeState } from "./claim-volume-restore-actions.js";

/**
 * What the claim and volume actions need to know before the first item: the claims the restore
 * takes, and the target cluster's PersistentVolumes (one LIST, only for a backup that holds any
 * claim or volume).
 */
export async function claimVolumeState(
  client: KubeClient,
  resources: ApiResource[],
  index: BackupIndex,
  scope: RestoreScope,
): Promise<ClaimVolumeState> {
  const restoredClaims = new Set(
    [...index.claims]
      .filter(
        ([key, labels]) =>
          scope.includesNamespace(key.split("/")[0]!) &&
          scope.includesResource("persistentvolumeclaims") &&
          scope.matchesLabels(labels),
      )
      .map(([key]) => key),
  );
  const needsVolumes =
    index.byResource.has("persistentvolumes") || index.byResource.has("persistentvolumeclaims");
  const pvResource = resources.find((r) => groupResource(r) === "persistentvolumes");
  const clusterVolumes = needsVolumes && pvResource ? await listAll<Item>(client, pvResource) : [];
  return { restoredClaims, clusterVolumes };
}
