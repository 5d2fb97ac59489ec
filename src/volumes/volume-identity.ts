import type { Item } from "../items/item.js";

/** What storage a volume points at, so two PVs for one disk are never both made; undefined when unknown. */
export function volumeIdentity(pv: Item): string | undefined {
  const spec = pv.spec ?? {};
  const csi = spec.csi as { driver?: string; volumeHandle?: string } | undefined;
  if (csi?.volumeHandle) return `csi ${csi.driver} ${csi.volumeHandle}`;
  const hostPath = spec.hostPath as { path?: string } | undefined;
  if (hostPath?.path) return `hostPath ${hostPath.path}`;
  const local = spec.local as { path?: string } | undefined;
  if (local?.path) return `local ${local.path}`;
  const nfs = spec.nfs as { server?: string; path?: string } | undefined;
  if (nfs?.server) return `nfs ${nfs.server}:${nfs.path}`;
  return undefined;
}
