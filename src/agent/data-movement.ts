/**
 * What the node agent's DataUpload and DataDownload controllers share: which data mover they
 * serve, and how one agent of many takes a new one (an update conditional on the version it saw,
 * so only the first agent's lands, as Velero's exclusive update).
 */
import { metaTimeNow as now } from "../api/v1/index.js";
import type { Logger } from "pino";
import { errorMessage, statusCode } from "../kube/errors.js";
import type { VeleroClient } from "../kube/velero-client.js";

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

/** Accepts the data movement for this node; false when another agent accepted it first. */
export async function acceptExclusively(
  velero: VeleroClient,
  plural: "datauploads" | "datadownloads",
  movement: { metadata: { name?: string; resourceVersion?: string } },
  node: string,
): Promise<boolean> {
  try {
    await velero.patch(plural, movement.metadata.name!, {
      metadata: { resourceVersion: movement.metadata.resourceVersion },
      status: { phase: "Accepted", acceptedByNode: node, acceptedTimestamp: now() },
    });
    return true;
  } catch (err) {
    if (statusCode(err) === 409) return false;
    throw err;
  }
}

/** The message of a data movement whose exposure ran out of time: what it still waited for, and what to raise. */
export function prepareTimeoutMessage(
  what: "upload" | "download",
  timeoutMs: number,
  waiting: string,
): string {
  return `timeout on preparing data ${what}: after ${timeoutMs / 1000}s still waiting for ${waiting}; raise the node agent's --data-mover-prepare-timeout if it is only slow`;
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
