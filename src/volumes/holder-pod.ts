/**
 * The temporary pod a restore of volume data mounts a claim with, so that the node agent of its
 * node can write into the volume (and a class that binds on first use binds the claim). Its one
 * container only keeps the mount; it is labelled with the restore and the claim it serves.
 */
import type { V1Pod } from "@kubernetes/client-node";
import { DATA_RESTORE_CLAIM_LABEL, RESTORE_NAME_LABEL } from "../api/labels.js";
import type { Restore } from "../api/v1/index.js";
import { labelValue } from "../filters/label-value.js";
import { DEFAULT_IMAGE } from "../install/options.js";

/** The pod's volume, as its PodVolumeRestore names it. */
export const HOLDER_VOLUME = "data";

export function holderPod(options: {
  restore: Restore;
  namespace: string;
  /** The claim it mounts. */
  claim: string;
  /** The claim whose data it serves (itself, or the one a new volume is made for). */
  forClaim: string;
  /** Pinned to this node (beside a pod that uses the claim). */
  nodeName?: string;
  block?: boolean;
}): V1Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      generateName: `${options.forClaim.slice(0, 40)}-data-restore-`,
      namespace: options.namespace,
      labels: {
        [RESTORE_NAME_LABEL]: labelValue(options.restore.metadata.name!),
        [DATA_RESTORE_CLAIM_LABEL]: labelValue(options.forClaim),
      },
    },
    spec: {
      ...(options.nodeName ? { nodeName: options.nodeName } : {}),
      restartPolicy: "Never",
      terminationGracePeriodSeconds: 0,
      containers: [
        {
          name: "hold",
          image: DEFAULT_IMAGE,
          imagePullPolicy: "IfNotPresent",
          command: ["sleep", "infinity"],
          ...(options.block
            ? { volumeDevices: [{ name: HOLDER_VOLUME, devicePath: `/dev/${HOLDER_VOLUME}` }] }
            : { volumeMounts: [{ name: HOLDER_VOLUME, mountPath: `/${HOLDER_VOLUME}` }] }),
        },
      ],
      volumes: [{ name: HOLDER_VOLUME, persistentVolumeClaim: { claimName: options.claim } }],
    },
  };
}
