/**
 * What the volume methods of one restore did, kept while it runs: each method records a claim
 * once it has started restoring the claim's data; the restorer writes them to
 * `<r>-volumeinfo.json.gz` at the end. Best effort, as Velero's: a claim the restore did not end
 * up creating is left out, and a claim still not bound has no PV name.
 */
import { makeInformer, type V1PersistentVolumeClaim } from "@kubernetes/client-node";
import type { KubeClient } from "../kube/client.js";
import type { RestoreVolumeInfo } from "../restore/volume-info.js";
import { Wakeup } from "../concurrency/wakeup.js";
import type { Cache } from "../kube/informer.js";

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
   * namespace are read with one LIST and then watched, not read again on every change: the
   * cluster is still binding them, and a LIST of them per change slows that down. Should the
   * watch break, they are read with a LIST per poll.
   */
  async entries(client: KubeClient, bindWaitMs = BIND_WAIT_MS): Promise<RestoreVolumeInfo[]> {
    const deadline = Date.now() + bindWaitMs;
    /** Per namespace, the PV each of its claims is bound to, as last read (none: not bound yet). */
    const volumeOf = new Map<string, Map<string, string | undefined>>();
    const namespaces = new Set([...this.byClaim.values()].map((e) => e.pvcNamespace!));
    const claimsPath = (ns: string) => `/api/v1/namespaces/${encodeURIComponent(ns)}/persistentvolumeclaims`;
    await Promise.all(
      [...namespaces].map(async (ns) => {
        const wanted = [...this.byClaim.values()].filter((e) => e.pvcNamespace === ns);
        const path = claimsPath(ns);
        const list = () => client.get<{ items: V1PersistentVolumeClaim[] }>(path);
        const cache = makeInformer<V1PersistentVolumeClaim>(
          client.kubeConfig,
          path,
          list,
        ) as Cache<V1PersistentVolumeClaim>;
        const wakeup = new Wakeup();
        let broken = false;
        cache.on("add", () => wakeup.notify());
        cache.on("update", () => wakeup.notify());
        cache.on("delete", () => wakeup.notify());
        cache.on("error", () => {
          broken = true;
          wakeup.notify();
        });
        try {
          await cache.start().catch(() => (broken = true));
          for (;;) {
            const items = broken ? (await list()).items : cache.list(ns);
            const bound = new Map(
              items.map((c) => [c.metadata?.name ?? "", c.spec?.volumeName || undefined]),
            );
            volumeOf.set(ns, bound);
            const unbound = wanted.some((e) => bound.has(e.pvcName!) && bound.get(e.pvcName!) === undefined);
            if (!unbound || Date.now() >= deadline) return;
            await wakeup.sleep(Math.min(POLL_MS, Math.max(0, deadline - Date.now())));
          }
        } finally {
          await cache.stop().catch(() => undefined);
        }
      }),
    );
    const out: RestoreVolumeInfo[] = [];
    for (const entry of this.byClaim.values()) {
      const claims = volumeOf.get(entry.pvcNamespace!);
      if (!claims?.has(entry.pvcName!)) continue; // not created in the end, or deleted since
      const pvName = claims.get(entry.pvcName!);
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
