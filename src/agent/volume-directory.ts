/**
 * Where a pod's volume is on its node, as the kubelet lays volumes out (and Velero's node agent
 * finds them under its host-pods mount): `<pods>/<pod uid>/volumes/<plugin>/<name>`, with the data
 * in `mount/` below that for CSI volumes. `<name>` is the PV's name for a claim's volume, else the
 * volume's own name.
 */
import type { V1PersistentVolumeClaim, V1Pod } from "@kubernetes/client-node";
import { promises as fs } from "node:fs";
import path from "node:path";
import type { KubeClient } from "../kube/client.js";

/** The name of a pod volume's directory under its plugin's folder. */
export async function volumeDirectoryName(
  client: KubeClient,
  pod: V1Pod,
  volumeName: string,
): Promise<string> {
  const volume = pod.spec?.volumes?.find((v) => v.name === volumeName);
  if (!volume)
    throw new Error(`pod ${pod.metadata?.namespace}/${pod.metadata?.name} has no volume named ${volumeName}`);
  const claimName = volume.persistentVolumeClaim?.claimName;
  if (!claimName) return volumeName;
  const claim = await client.get<V1PersistentVolumeClaim>(
    `/api/v1/namespaces/${pod.metadata!.namespace!}/persistentvolumeclaims/${claimName}`,
  );
  const pv = claim.spec?.volumeName;
  if (!pv)
    throw new Error(
      `claim ${pod.metadata?.namespace}/${claimName} of volume ${volumeName} is not bound to a volume`,
    );
  return pv;
}

/** The directory holding the volume's files; the error says where it looked. */
export async function volumeDirectory(hostPodsDir: string, podUid: string, dirName: string): Promise<string> {
  const volumesDir = path.join(hostPodsDir, podUid, "volumes");
  const plugins = await fs.readdir(volumesDir).catch(() => [] as string[]);
  for (const plugin of plugins) {
    const dir = path.join(volumesDir, plugin, dirName);
    if (!(await isDirectory(dir))) continue;
    const mount = path.join(dir, "mount");
    return (await isDirectory(mount)) ? mount : dir;
  }
  throw new Error(`the volume is not mounted on this node: no ${path.join(volumesDir, "*", dirName)}`);
}

async function isDirectory(p: string): Promise<boolean> {
  return (await fs.stat(p).catch(() => undefined))?.isDirectory() ?? false;
}
