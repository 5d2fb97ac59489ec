/**
 * What the volume methods of one restore did, kept while it runs: each method records a claim
 * once it has started restoring the claim's data; the restorer writes them to
 * `<r>-volumeinfo.json.gz` at the end. Best effort, as Velero's: a claim the restore did not end
 * up creating is left out, and a claim still not bound has no PV name.
 */
import type { V1PersistentVolumeClaim } from "@kubernetes/client-node";
import type { KubeClient } from "../kube/client.js";
import { forEachConcurrently } from "../concurrency/pool.js";
import { isNotFound } from "../kube/errors.js";
import type { RestoreVolumeInfo } from "../restore/volume-info.js";
import { setTimeout as sleep } from "node:timers/promises";

const BIND_WAIT_MS = 15_000;
const POLL_MS = 250;
/** Claims read at once. */
const READ_CONCURRENCY = 16;

export class RestoreVolumeRecords {
  private readonly byClaim = new Map<string, RestoreVolumeInfo>();

  /** The entry of one restored claim (in its target namespace); a later one replaces it. */
  record(entry: RestoreVolumeInfo & { pvcNamespace: string; pvcName: string }): void {
    this.byClaim.set(`${entry.pvcNamespace}/${entry.pvcName}`, entry);
  }

  forget(pvcNamespace: string, pvcName: string): void {
    this.byClaim.delete(`${pvcNamespace}/${pvcName}`);
  }

  /**
   * The entries, each with the PV its claim is bound to, read from the cluster. A claim just
   * restored is given a little while to bind (its pods were restored with it).
   */
  async entries(client: KubeClient, bindWaitMs = BIND_WAIT_MS): Promise<RestoreVolumeInfo[]> {
    const deadline = Date.now() + bindWaitMs;
    const entries = [...this.byClaim.values()];
    const found = new Array<RestoreVolumeInfo | undefined>(entries.length);
    await forEachConcurrently(entries.keys(), READ_CONCURRENCY, async (i) => {
      const entry = entries[i]!;
      const path = `/api/v1/namespaces/${encodeURIComponent(entry.pvcNamespace!)}/persistentvolumeclaims/${encodeURIComponent(entry.pvcName!)}`;
      let claim: V1PersistentVolumeClaim;
      for (;;) {
        try {
          claim = await client.get<V1PersistentVolumeClaim>(path);
        } catch (err) {
          if (!isNotFound(err)) throw err;
          return;
        }
        if (claim.spec?.volumeName || Date.now() >= deadline) break;
        await sleep(POLL_MS);
      }
      const pvName = claim.spec?.volumeName;
      found[i] = {
        pvcName: entry.pvcName,
        pvcNamespace: entry.pvcNamespace,
        ...(pvName ? { pvName } : {}),
        ...entry,
      };
    });
    return found.filter((e) => e !== undefined);
  }
}
