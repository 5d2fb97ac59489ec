/**
 * What a backup takes along with pods and claims, as Velero's `velero.io/pod` and `velero.io/pv`
 * backup item actions do: a pod's claims, and a claim's bound volume. The volume data itself is
 * the business of the snapshot and file-system actions that come with the later volume methods.
 */
import type { V1PersistentVolumeClaim, V1Pod } from "@kubernetes/client-node";
import type { BackupItemAction } from "../items/backup-item-action.js";
import type { ResourceIdentifier } from "../items/item.js";

export const podClaimsBackupAction: BackupItemAction = {
  name: "velero.io/pod",
  appliesTo: ["pods"],
  execute({ item }) {
    const pod = item as V1Pod;
    const namespace = pod.metadata?.namespace;
    const claims: ResourceIdentifier[] = [];
    for (const volume of pod.spec?.volumes ?? []) {
      const name = volume.persistentVolumeClaim?.claimName;
      if (name && namespace) claims.push({ groupResource: "persistentvolumeclaims", namespace, name });
    }
    return Promise.resolve(claims.length ? { additionalItems: claims } : undefined);
  },
};

export const claimVolumeBackupAction: BackupItemAction = {
  name: "velero.io/pv",
  appliesTo: ["persistentvolumeclaims"],
  execute({ item }) {
    const volume = (item as V1PersistentVolumeClaim).spec?.volumeName;
    return Promise.resolve(
      volume ? { additionalItems: [{ groupResource: "persistentvolumes", name: volume }] } : undefined,
    );
  },
};
