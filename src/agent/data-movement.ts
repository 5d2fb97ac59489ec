/**
 * What the node agent's DataUpload and DataDownload controllers share: which data mover they
 * serve, and how one agent of many takes a new one (an update conditional on the version it saw,
 * so only the first agent's lands, as Velero's exclusive update).
 */
import { metaTimeNow as now } from "../api/v1/index.js";
import type { Logger } from "pino";
import { errorMessage, statusCode } from "../kube/errors.js";
import type { VeleroClient } from "../kube/velero-client.js";
import type { Outcome } from "../kube/work-queue.js";
import type { DataDownload, DataUpload } from "../api/v2alpha1/data-movement.js";
import type { Exposure } from "./snapshot-exposer.js";

/** How often an exposure that is not ready yet is looked at again (its pod's events come sooner). */
const EXPOSE_WAIT_MS = 500;

export interface DataMoverOptions {
  /** `--data-mover-prepare-timeout`: how long an exposure may take, from acceptance. */
  prepareTimeoutMs: number;
  /** The image of exposer pods. */
  image: string;
}

/** Whether the built-in data mover takes the DataUpload or DataDownload (its datamover is "" or "velero"). */
export function builtInDataMover(spec: { datamover?: string }): boolean {
  return !spec.datamover || spec.datamover === "velero";
}

/**
 * Accepts the data movement for this node: returns it as accepted, for exposing to start at
 * once rather than when the cache shows it; undefined when another agent accepted it first.
 */
export async function acceptExclusively<T extends DataUpload | DataDownload>(
  velero: VeleroClient,
  plural: "datauploads" | "datadownloads",
  movement: T,
  node: string,
): Promise<T | undefined> {
  try {
    return await velero.patch<T>(plural, movement.metadata.name!, {
      metadata: { resourceVersion: movement.metadata.resourceVersion },
      status: { phase: "Accepted", acceptedByNode: node, acceptedTimestamp: now() },
    });
  } catch (err) {
    if (statusCode(err) === 409) return undefined;
    throw err;
  }
}

/** How one exposure of a data movement goes, told by its controller. */
export interface ExposureSteps<T> {
  what: "upload" | "download";
  /** Makes what is missing of the exposure; says whether its pod runs yet. */
  expose(movement: T): Promise<Exposure>;
  /** Ends the movement: its exposure deleted, its phase written. */
  end(movement: T, phase: "Failed", message: string): Promise<"done">;
  patch(name: string, status: { message?: string | null; phase?: "Prepared"; node?: string }): Promise<void>;
  /** What exposing failed at, for its message. */
  failure(movement: T): string;
  /** More of the status once Prepared (a DataUpload's nodeOS). */
  prepared?: Record<string, string>;
  /** How soon an exposure still waiting is looked at again, when no change brings a look sooner. */
  recheckMs?: number;
}

/**
 * One look at an accepted movement's exposure: Prepared on its pod's node once the pod runs;
 * Failed when exposing fails or the prepare timeout has passed since it was accepted, saying
 * what it still waited for; meanwhile that is said on the object, so `kubectl get` and a timed-out
 * operation tell what holds it up.
 */
export async function lookAtExposure<T extends DataUpload | DataDownload>(
  movement: T,
  steps: ExposureSteps<T>,
  options: DataMoverOptions,
): Promise<Outcome> {
  let exposure: Exposure;
  try {
    exposure = await steps.expose(movement);
  } catch (err) {
    return steps.end(movement, "Failed", `${steps.failure(movement)} failed: ${errorMessage(err)}`);
  }
  const name = movement.metadata.name!;
  if ("waiting" in exposure) {
    const since = Date.parse(movement.status?.acceptedTimestamp ?? "") || Date.now();
    if (Date.now() - since > options.prepareTimeoutMs)
      return steps.end(
        movement,
        "Failed",
        `timeout on preparing data ${steps.what}: after ${options.prepareTimeoutMs / 1000}s still waiting for ${exposure.waiting}; raise the node agent's --data-mover-prepare-timeout if it is only slow`,
      );
    const message = `waiting for ${exposure.waiting}`;
    if (movement.status?.message !== message) await steps.patch(name, { message });
    return { retryAfterMs: steps.recheckMs ?? EXPOSE_WAIT_MS };
  }
  // What it waited for is over: the message goes (a merge patch drops a null).
  await steps.patch(name, { phase: "Prepared", node: exposure.node, ...steps.prepared, message: null });
  return "done";
}

/**
 * Lets what follows a transfer (cleaning up, binding, the last status) run on after the transfer's
 * queue slot is freed; a failure of it is logged (the object keeps its last phase).
 */
export function afterTransfer(
  work: Promise<unknown>,
  ctx: { log: Logger },
  movement: { kind: string; metadata: { name?: string } },
): void {
  work.catch((err: unknown) =>
    ctx.log.error({ [movement.kind]: movement.metadata.name, err: errorMessage(err) }, "finishing failed"),
  );
}
