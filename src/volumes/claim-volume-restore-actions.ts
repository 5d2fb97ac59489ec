/**
 * How a restore brings back claims and their volumes, as two restore item actions that share
 * what became of each volume: PersistentVolumes come before claims in restore order, so by the
 * time a claim is planned, its volume's fate is known. The rule they hold: a claim is bound to
 * its old volume only when that volume is its own in the target cluster; otherwise the claim is
 * provisioned anew, and two PVs are never made for one disk. A volume restored for a claim of a
 * mapped namespace whose name is taken gets a new name (Velero's PV cloning on namespace remap:
 * `velero-clone-<uuid>`, annotated `velero.io/original-pv-name`), and the claim follows it.
 */
import { randomUUID } from "node:crypto";
import {
  ORIGINAL_PV_NAME_ANNOTATION,
  PV_BINDING_ANNOTATIONS,
  PVC_BINDING_ANNOTATIONS,
} from "../api/labels.js";
import type { Item } from "../items/item.js";
import type { RestoreItemAction, RestoreItemActionOutput } from "../items/restore-item-action.js";
import { volumeIdentity } from "./volume-identity.js";

export interface ClaimVolumeState {
  /** Claims of the backup the restore takes (`ns/name`, backup namespaces): their volumes come too. */
  restoredClaims: Set<string>;
  /** Every PersistentVolume of the target cluster. */
  clusterVolumes: Item[];
  /**
   * Claims (`ns/name` in the backup) whose data a volume method restores into a new volume, and
   * how: their PVs are not restored, and they are provisioned anew.
   */
  dataRestoredClaims: Map<string, string>;
  /**
   * PVs (by name in the backup) that a volume method restores onto a new disk, and how: they are
   * restored, never onto a disk the cluster already uses, and renamed when cloned onto a taken name.
   */
  newDiskVolumes: Map<string, string>;
}

/** What became of a volume of the backup, for the claims planned after it. */
type VolumeFate =
  { kind: "restored"; as?: string } | { kind: "existing"; claim?: string } | { kind: "anew"; why: string };

interface ClaimRef {
  namespace?: string;
  name?: string;
  uid?: string;
  resourceVersion?: string;
}

const claimOf = (ref: ClaimRef | undefined) => (ref ? `${ref.namespace}/${ref.name}` : undefined);

/** The two actions of one restore. */
export function claimVolumeRestoreActions(state: ClaimVolumeState): RestoreItemAction[] {
  const fates = new Map<string, VolumeFate>();
  const identities = new Map(
    state.clusterVolumes.flatMap((pv) => {
      const id = volumeIdentity(pv);
      return id ? [[id, pv.metadata?.name ?? ""] as const] : [];
    }),
  );

  const volumeAction: RestoreItemAction = {
    name: "velero.io/persistent-volumes",
    appliesTo: ["persistentvolumes"],
    needs: (_, pv) => {
      const ref = pv.spec?.claimRef as ClaimRef | undefined;
      return ref !== undefined && state.restoredClaims.has(`${ref.namespace}/${ref.name}`);
    },
    execute({ item: pv, inCluster, restore }): RestoreItemActionOutput | undefined {
      const claimRef = pv.spec?.claimRef as ClaimRef | undefined;
      const fromBackup = claimOf(claimRef);
      if (claimRef) {
        if (claimRef.namespace) claimRef.namespace = restore.mapNamespace(claimRef.namespace);
        delete claimRef.uid;
        delete claimRef.resourceVersion;
      }
      for (const a of PV_BINDING_ANNOTATIONS) delete pv.metadata?.annotations?.[a];

      const name = pv.metadata?.name ?? "";
      const dataRestored = fromBackup && state.dataRestoredClaims.get(fromBackup);
      if (dataRestored) {
        fates.set(name, { kind: "anew", why: dataRestored });
        return { skip: `${dataRestored}: its claim is provisioned anew` };
      }
      const newDisk = state.newDiskVolumes.has(name);
      if (pv.spec?.persistentVolumeReclaimPolicy === "Delete" && !newDisk) {
        fates.set(name, {
          kind: "anew",
          why: `volume ${name} has reclaim policy Delete and no data in the backup`,
        });
        return {
          skip: "reclaim policy Delete and no volume data in the backup: its claim is provisioned anew",
        };
      }
      const mapped = claimRef?.namespace !== undefined && claimRef.namespace !== fromBackup?.split("/")[0];
      if (inCluster && !mapped) {
        const held = inCluster.spec?.claimRef as ClaimRef | undefined;
        const heldBy = claimOf(held);
        if (heldBy === claimOf(claimRef) && held?.uid && inCluster.status?.phase === "Released") {
          fates.set(name, { kind: "existing", claim: heldBy });
          return {
            existing: {
              reason:
                "volume exists, released by its old claim: its claimRef's uid is cleared so the restored claim binds to it",
              patch: { spec: { claimRef: { uid: null, resourceVersion: null } } } as unknown as Item,
            },
          };
        }
        fates.set(name, { kind: "existing", claim: heldBy });
        return undefined; // an existing object like any other
      }
      const id = newDisk ? undefined : volumeIdentity(pv);
      const twin = id ? identities.get(id) : undefined;
      if (twin) {
        const why = `persistent volume ${name} was not restored: volume ${twin} in the cluster already uses the same storage (${id})`;
        fates.set(name, { kind: "anew", why });
        return {
          skip: `volume ${twin} in the cluster already uses the same storage`,
          warnings: [`${why}; its claim is provisioned anew`],
        };
      }
      if (inCluster) {
        // Velero's clone rule: the claim's namespace is mapped and the name is taken.
        const clone = `velero-clone-${randomUUID()}`;
        pv.metadata = {
          ...pv.metadata,
          name: clone,
          annotations: { ...pv.metadata?.annotations, [ORIGINAL_PV_NAME_ANNOTATION]: name },
        };
        fates.set(name, { kind: "restored", as: clone });
        if (id) identities.set(id, clone);
        return {
          createReason: `renamed from ${name}: its claim's namespace is mapped and volume ${name} exists in the cluster`,
        };
      }
      fates.set(name, { kind: "restored" });
      if (id) identities.set(id, name);
      return undefined;
    },
  };

  const claimAction: RestoreItemAction = {
    name: "velero.io/persistent-volume-claims",
    appliesTo: ["persistentvolumeclaims"],
    execute({ item: pvc, itemFromBackup }): RestoreItemActionOutput | undefined {
      for (const a of PVC_BINDING_ANNOTATIONS) delete pvc.metadata?.annotations?.[a];
      const warnings: string[] = [];
      const volume = pvc.spec?.volumeName as string | undefined;
      const fromBackup = `${itemFromBackup.metadata?.namespace}/${itemFromBackup.metadata?.name}`;
      if (volume && pvc.spec && state.dataRestoredClaims.has(fromBackup)) {
        delete pvc.spec.volumeName;
      } else if (volume && pvc.spec) {
        const claim = `${pvc.metadata?.namespace}/${pvc.metadata?.name}`;
        let fate = fates.get(volume);
        if (!fate) {
          const pv = state.clusterVolumes.find((v) => v.metadata?.name === volume);
          fate = pv
            ? { kind: "existing", claim: claimOf(pv.spec?.claimRef as ClaimRef | undefined) }
            : { kind: "anew", why: `volume ${volume} is neither restored nor in the cluster` };
        }
        if (fate.kind === "existing" && fate.claim !== undefined && fate.claim !== claim) {
          warnings.push(
            `persistent volume claim ${claim} was not bound to volume ${volume}, which claim ${fate.claim} holds: it is provisioned anew`,
          );
          delete pvc.spec.volumeName;
        } else if (fate.kind === "anew") {
          delete pvc.spec.volumeName;
        } else if (fate.kind === "restored" && fate.as) {
          pvc.spec.volumeName = fate.as;
        }
      }
      return {
        warnings,
        ...(pvc.spec?.volumeName ? {} : { createReason: "created; its volume is provisioned anew" }),
      };
    },
  };

  return [volumeAction, claimAction];
}
