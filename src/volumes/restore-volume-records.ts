/**
 * What the volume methods of one restore did, kept while it runs: each method records a claim
 * once it has started restoring the claim's data; the restorer writes them to
 * `<r>-volumeinfo.json.gz` at the end. Best effort, as Velero's: a claim the restore did not end
 * up creating is left out, and a claim still not bound has no PV name.
 */
import type { V1PersistentVolumeClaim } from "@kubernetes/client-node";
import type { KubeClient } from "../kube/client.js";
import type { RestoreVolumeInfo } from "../restore/volume-info.js";
import { withChangeWakeup } from "../kube/change-watch.js";

const BIND_WAIT_MS = 15_000;
/** A claim just restored binds within a second or two: read often, and at once when one changes. */
const POLL_MS = 1000;

export class RestoreVolumeRecords {
  private readonly byClaim = new Map<string, RestoreVolumeInfo>();

  /** The entry of one restored claim (in its target namespace); a later one replaces it. */
  record(entry: RestoreVolumeInfo & { pvcNamespace: string; pvcName: string }): void {
    this.byClaim.set(`${entry.pvcNamespace}/${entry.pvcName}`, entry);
  }

  /** Changes some fields of a claim's entry, if it has one. */
  update(pvcNamespace: string, pvcName: string, fields: Partial<RestoreVolumeInfo>): void {
    const entry = this.byClaim.get(`${pvcNamespace}/${pvcName}`);
    if (entry) Object.assign(entry, fields);
  }

  forget(pvcNamespace: string, pvcName: string): void {
    this.byClaim.delete(`${pvcNamespace}/${pvcName}`);
  }

  /**
   * The entries, each with the PV its claim is bound to, read from the cluster. A claim just
   * restored is given a little while to bind (its pods were restored with it). The claims of a
   * namespace are read with one LIST per poll, not a GET each.
   */
  async entries(client: KubeClient, bindWaitMs = BIND_WAIT_MS): Promise<RestoreVolumeInfo[]> {
    const deadline = Date.now() + bindWaitMs;
    const volumeOf = new Map<string, string | undefined>();
    const namespaces = new Set([...this.byClaim.values()].map((e) => e.pvcNamespace!));
    const claimsPath = (ns: string) => `/api/v1/namespaces/${encodeURIComponent(ns)}/persistentvolumeclaims`;
    await Promise.all(
      [...namespaces].map(async (ns) => {
        const wanted = [...this.byClaim.values()].filter((e) => e.pvcNamespace === ns);
        // Read again as soon as a claim changes, not only every POLL_MS.
        await withChangeWakeup(client.kubeConfig, [{ path: claimsPath(ns) }], async (wakeup) => {
          for (;;) {
            const { items } = await client.get<{ items: V1PersistentVolumeClaim[] }>(claimsPath(ns));
            for (const claim of items)
              volumeOf.set(`${ns}/${claim.metadata?.name}`, claim.spec?.volumeName || undefined);
            const unbound = wanted.some((e) => {
              const key = `${ns}/${e.pvcName}`;
              return volumeOf.has(key) && volumeOf.get(key) === undefined;
            });
            if (!unbound || Date.now() >= deadline) return;
            await wakeup.sleep(POLL_MS);
          }
        });
      }),
    );
    const out: RestoreVolumeInfo[] = [];
    for (const [key, entry] of this.byClaim) {
      if (!volumeOf.has(key)) continue; // not created in the end, or deleted since
      const pvName = volumeOf.get(key);
      out.push({
        pvcName: entry.pvcName,
        pvcNamespace: entry.pvcNamespace,
        ...(pvName ? { pvName } : {}),
        ...entry,
      });
    }
    return out;
  }
}
