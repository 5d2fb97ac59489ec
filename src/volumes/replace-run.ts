/**
 * A data-only restore by replace, for all its claims together, as their item operations follow
 * it: first a new volume with the backed-up data for every claim (replacement-volume.ts), beside
 * the application, which does not change; then, once every one is ready, per namespace: the
 * workloads using the claims stop, each claim is re-pointed at its new volume (claim-swap.ts),
 * and the workloads start again. The old volumes are kept (Retain), labelled with the restore:
 * `velero-ts restore rollback` puts them back. If a new volume cannot be made, every new volume
 * is deleted and nothing in the application has changed; a failure after the swap began says so
 * and offers the rollback.
 */
import type { Restore } from "../api/v1/index.js";
import {
  REPLACED_BY_RESTORE_LABEL,
  REPLACED_CLAIM_ANNOTATION,
  REPLACED_RECLAIM_POLICY_ANNOTATION,
} from "../api/labels.js";
import type { V1PersistentVolume } from "@kubernetes/client-node";
import { labelValue } from "../filters/label-value.js";
import type { OperationProgress } from "../items/item-operation.js";
import type { KubeClient } from "../kube/client.js";
import { errorMessage } from "../kube/errors.js";
import { swapClaim } from "./claim-swap.js";
import type { VolumeDataTarget } from "./data-only-targets.js";
import { makeReplacementVolume, undoReplacement, type Replacement } from "./replacement-volume.js";
import type { VolumeSnapshotter } from "./snapshotters/volume-snapshotter.js";
import { startWorkloads, stopWorkloads, waitUnused, type StoppableWorkload } from "./workload-scaling.js";

interface ClaimState {
  step: string;
  newVolume?: string;
  error?: string;
  done: boolean;
}

const key = (t: { namespace: string; name: string }) => `${t.namespace}/${t.name}`;

export class ReplaceRun {
  private readonly claims = new Map<string, ClaimState>();
  private readonly abort = new AbortController();
  private readonly finished: Promise<void>;

  constructor(
    private readonly client: KubeClient,
    private readonly restore: Restore,
    private readonly targets: VolumeDataTarget[],
    private readonly options: {
      storageClassMapping: Record<string, string>;
      snapshotters: Map<string, VolumeSnapshotter | Error>;
      timeoutMs: number;
      /** Told each claim's new volume once it is made. */
      onVolume: (target: VolumeDataTarget, volume: string) => void;
    },
  ) {
    for (const t of targets) this.claims.set(key(t), { step: "waiting to start", done: false });
    this.finished = this.run(Date.now() + options.timeoutMs).catch((err: unknown) => {
      for (const c of this.claims.values()) if (!c.done) this.end(c, errorMessage(err));
    });
  }

  progress(claim: string): OperationProgress {
    const c = this.claims.get(claim);
    if (!c) return { completed: true, error: `claim ${claim} is not part of this replace` };
    if (!c.done) return { completed: false, description: c.step };
    return c.error ? { completed: true, error: c.error } : { completed: true, description: c.step };
  }

  async cancel(): Promise<string> {
    this.abort.abort(new Error("the restore's item operation timeout ran out"));
    await this.finished;
    return "the replace was stopped";
  }

  private end(c: ClaimState, error?: string, step?: string): void {
    c.done = true;
    if (error) c.error = error;
    if (step) c.step = step;
  }

  private async run(deadline: number): Promise<void> {
    const made = new Map<string, Replacement>();
    const results = await Promise.allSettled(
      this.targets.map(async (t) => {
        const replacement: Replacement = { temporary: [] };
        made.set(key(t), replacement);
        const state = this.claims.get(key(t))!;
        const volume = await makeReplacementVolume(
          {
            client: this.client,
            restore: this.restore,
            storageClassMapping: this.options.storageClassMapping,
            snapshotters: this.options.snapshotters,
            deadline,
            signal: this.abort.signal,
            onStep: (step) => (state.step = step),
          },
          t,
          replacement,
        );
        state.newVolume = volume;
        state.step = `new volume ${volume} holds the backed-up data; waiting for the other claims' new volumes`;
        this.options.onVolume(t, volume);
      }),
    );
    const failed = results.flatMap((r, i) =>
      r.status === "rejected" ? [[this.targets[i]!, r.reason] as const] : [],
    );
    if (failed.length) {
      const undone: string[] = [];
      for (const replacement of made.values())
        await undoReplacement(this.client, replacement).catch((err: unknown) =>
          undone.push(errorMessage(err)),
        );
      const left = undone.length ? `; cleaning up failed too: ${undone.join("; ")}` : "";
      for (const [t, reason] of failed)
        this.end(
          this.claims.get(key(t))!,
          `no new volume with the backed-up data of claim ${key(t)} could be made: ${errorMessage(reason)}; every new volume of the restore was deleted and nothing in the application changed${left}`,
        );
      for (const c of this.claims.values())
        if (!c.done)
          this.end(
            c,
            `not replaced: another claim's new volume could not be made (${failed.map(([t]) => key(t)).join(", ")}), so nothing in the application changed${left}`,
          );
      return;
    }
    for (const namespace of new Set(this.targets.map((t) => t.namespace)))
      await this.swapNamespace(namespace, deadline);
  }

  /** Stops the namespace's workloads, re-points its claims, starts the workloads again. */
  private async swapNamespace(namespace: string, deadline: number): Promise<void> {
    const targets = this.targets.filter((t) => t.namespace === namespace);
    const workloads = new Map<string, StoppableWorkload>();
    for (const t of targets) for (const w of t.workloads) workloads.set(`${w.kind}/${w.name}`, w);
    const stopping = [...workloads.values()];
    const rollback = `; \`velero-ts restore rollback ${this.restore.metadata.name}\` puts the old volumes back`;
    for (const t of targets) this.claims.get(key(t))!.step = "stopping the workloads that use it";
    try {
      await stopWorkloads(this.client, namespace, stopping);
      await waitUnused(
        this.client,
        namespace,
        targets.map((t) => t.name),
        deadline,
        this.abort.signal,
      );
    } catch (err) {
      await startWorkloads(this.client, namespace, stopping).catch(() => undefined);
      for (const t of targets) {
        const made: Replacement = { temporary: [], volume: this.claims.get(key(t))!.newVolume! };
        await undoReplacement(this.client, made).catch(() => undefined);
        this.end(
          this.claims.get(key(t))!,
          `claim ${key(t)} was not replaced: ${errorMessage(err)}; its workloads were started again and its new volume deleted, so nothing changed`,
        );
      }
      return;
    }
    // Each claim's operation ends once its workloads run again.
    const outcomes: [ClaimState, string | undefined, string | undefined][] = [];
    for (const t of targets) {
      const state = this.claims.get(key(t))!;
      state.step = `re-pointing the claim at its new volume ${state.newVolume}`;
      try {
        const old = await this.client.get<V1PersistentVolume>(
          `/api/v1/persistentvolumes/${t.claim!.spec!.volumeName}`,
        );
        await swapClaim(this.client, {
          namespace,
          name: t.name,
          from: old.metadata!.name!,
          to: state.newVolume!,
          leftMarks: {
            labels: { [REPLACED_BY_RESTORE_LABEL]: labelValue(this.restore.metadata.name!) },
            annotations: {
              [REPLACED_CLAIM_ANNOTATION]: key(t),
              [REPLACED_RECLAIM_POLICY_ANNOTATION]: old.spec?.persistentVolumeReclaimPolicy ?? "Delete",
            },
          },
          takenMarks: {},
        });
        outcomes.push([
          state,
          undefined,
          `replaced: the claim is bound to its new volume ${state.newVolume}; the old volume ${old.metadata!.name} is kept (Retain) for a rollback`,
        ]);
      } catch (err) {
        outcomes.push([
          state,
          `claim ${key(t)} could not be re-pointed at its new volume ${state.newVolume}: ${errorMessage(err)}${rollback}`,
          undefined,
        ]);
      }
    }
    for (const t of targets) this.claims.get(key(t))!.step = "starting the workloads that use it again";
    const started = await startWorkloads(this.client, namespace, stopping).then(
      () => undefined,
      (err: unknown) => `${errorMessage(err)}${rollback}`,
    );
    for (const [state, error, step] of outcomes) this.end(state, error ?? started, step);
  }
}
