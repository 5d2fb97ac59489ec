/**
 * Velero's `restore-wait` init container: put first in a restored pod whose volumes are written
 * back by the node agent, it mounts each of them at `/restores/<volume>` and runs until every one
 * holds the done marker `.velero/<restore uid>`, then removes the markers. So the application's
 * containers never start on a half-written volume.
 */
import path from "node:path";
import type { V1Container, V1Pod } from "@kubernetes/client-node";

export const RESTORE_HELPER_CONTAINER = "restore-wait";
/** The init container restic-era Velero added; a pod restored again drops it as Velero does. */
const LEGACY_HELPER_CONTAINER = "restic-wait";
export const RESTORE_HELPER_COMMAND = "/velero-restore-helper";
/** Where the helper mounts each volume it waits for. */
export const RESTORES_MOUNT_DIR = "/restores";

/** The marker the node agent writes into a volume once its data is written back. */
export function doneMarker(volumeDir: string, restoreUid: string): string {
  return path.join(volumeDir, ".velero", restoreUid);
}

/** The restore helper of one restore, waiting for the given volumes of the pod. */
export function restoreHelperContainer(image: string, restoreUid: string, volumes: string[]): V1Container {
  return {
    name: RESTORE_HELPER_CONTAINER,
    image,
    imagePullPolicy: "IfNotPresent",
    command: [RESTORE_HELPER_COMMAND],
    args: [restoreUid],
    env: [
      { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
      { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
    ],
    resources: {
      requests: { cpu: "100m", memory: "128Mi" },
      limits: { cpu: "100m", memory: "128Mi" },
    },
    volumeMounts: volumes.map((name) => ({ name, mountPath: `${RESTORES_MOUNT_DIR}/${name}` })),
  };
}

/** The pod with the helper first among its init containers, in place of any earlier helper. */
export function withRestoreHelper(pod: V1Pod, helper: V1Container): V1Pod {
  const others = (pod.spec?.initContainers ?? []).filter(
    (c) => c.name !== RESTORE_HELPER_CONTAINER && c.name !== LEGACY_HELPER_CONTAINER,
  );
  return { ...pod, spec: { ...pod.spec!, initContainers: [helper, ...others] } };
}

/** Whether an init container is a restore helper, and the restore it waits for. */
export function restoreHelperOf(
  container: V1Container,
): { restoreUid: string; volumes: string[] } | undefined {
  if (container.name !== RESTORE_HELPER_CONTAINER || container.command?.[0] !== RESTORE_HELPER_COMMAND)
    return undefined;
  const restoreUid = container.args?.[0];
  if (!restoreUid) return undefined;
  return {
    restoreUid,
    volumes: (container.volumeMounts ?? [])
      .filter((m) => m.mountPath.startsWith(`${RESTORES_MOUNT_DIR}/`))
      .map((m) => m.name),
  };
}
