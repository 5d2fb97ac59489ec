/**
 * Many claims of a namespace wait for their VolumeSnapshots at once during a backup: rather than
 * a GET per snapshot per poll, the waiters of a namespace share one watch of its VolumeSnapshots,
 * so a snapshot is seen the moment it is ready, and the API server's load does not grow with the
 * number of snapshots in flight. The watch runs while anyone waits in its namespace. Should it
 * break, each waiter still reads its snapshot itself every few seconds.
 */
import { makeInformer } from "@kubernetes/client-node";
import type { VolumeSnapshot } from "../api/csi-snapshots.js";
import type { Cache } from "../kube/informer.js";
import type { KubeClient } from "../kube/client.js";
import { isNotFound } from "../kube/errors.js";
import { snapshotsPath } from "./csi-paths.js";

/** How often a waiter reads its snapshot itself, in case the watch has stopped. */
const FALLBACK_READ_MS = 3000;

interface NamespaceWatch {
  cache: Cache<VolumeSnapshot>;
  started: Promise<void>;
  /** Who waits, by snapshot name: one claim's backup waits for each snapshot. */
  waiters: Map<string, () => void>;
}

export class SnapshotWatch {
  private readonly watches = new Map<string, NamespaceWatch>();

  constructor(private readonly client: KubeClient) {}

  /**
   * Waits until `done` says yes of the VolumeSnapshot, or until the deadline; returns the
   * snapshot as last seen (undefined when it was never seen).
   */
  async waitFor(
    namespace: string,
    name: string,
    done: (vs: VolumeSnapshot) => boolean,
    deadline: number,
  ): Promise<VolumeSnapshot | undefined> {
    const watch = this.watch(namespace);
    let wake = () => {};
    watch.waiters.set(name, () => wake());
    let last: VolumeSnapshot | undefined;
    try {
      await watch.started.catch(() => undefined);
      let nextRead = Date.now() + FALLBACK_READ_MS;
      for (;;) {
        last = watch.cache.get(name, namespace) ?? last;
        if (Date.now() >= nextRead) {
          last = (await this.read(namespace, name)) ?? last;
          nextRead = Date.now() + FALLBACK_READ_MS;
        }
        if ((last && done(last)) || Date.now() >= deadline) return last;
        const sleepMs = Math.max(0, Math.min(nextRead, deadline) - Date.now());
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, sleepMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    } finally {
      watch.waiters.delete(name);
      if (watch.waiters.size === 0) {
        this.watches.delete(namespace);
        void watch.cache.stop().catch(() => undefined);
      }
    }
  }

  private watch(namespace: string): NamespaceWatch {
    const held = this.watches.get(namespace);
    if (held) return held;
    const path = snapshotsPath(namespace);
    const cache = makeInformer<VolumeSnapshot>(this.client.kubeConfig, path, () =>
      this.client.get(path),
    ) as Cache<VolumeSnapshot>;
    const watch: NamespaceWatch = { cache, started: cache.start(), waiters: new Map() };
    const wake = (vs: VolumeSnapshot) => watch.waiters.get(vs.metadata?.name ?? "")?.();
    cache.on("add", wake);
    cache.on("update", wake);
    this.watches.set(namespace, watch);
    return watch;
  }

  private async read(namespace: string, name: string): Promise<VolumeSnapshot | undefined> {
    try {
      return await this.client.get<VolumeSnapshot>(`${snapshotsPath(namespace)}/${name}`);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }
}
