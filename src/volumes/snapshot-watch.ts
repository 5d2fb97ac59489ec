/**
 * Many claims of a namespace wait for their VolumeSnapshots at once during a backup: rather than
 * one GET per snapshot per poll, the waiters of a namespace share one LIST per poll interval, so
 * the API server's load does not grow with the number of snapshots in flight.
 */
import type { VolumeSnapshot } from "../api/csi-snapshots.js";
import type { KubeClient } from "../kube/client.js";
import { snapshotsPath } from "./csi-paths.js";

export class SnapshotWatch {
  private readonly lists = new Map<string, { at: number; list: Promise<Map<string, VolumeSnapshot>> }>();

  constructor(
    private readonly client: KubeClient,
    private readonly freshMs: number,
  ) {}

  /** The VolumeSnapshot as a LIST at most `freshMs` old shows it; undefined when it is not there. */
  async get(namespace: string, name: string): Promise<VolumeSnapshot | undefined> {
    let held = this.lists.get(namespace);
    if (!held || Date.now() - held.at >= this.freshMs) {
      held = { at: Date.now(), list: this.list(namespace) };
      this.lists.set(namespace, held);
    }
    return (await held.list).get(name);
  }

  private async list(namespace: string): Promise<Map<string, VolumeSnapshot>> {
    const { items } = await this.client.get<{ items: VolumeSnapshot[] }>(snapshotsPath(namespace));
    return new Map(items.map((vs) => [vs.metadata?.name ?? "", vs]));
  }
}
