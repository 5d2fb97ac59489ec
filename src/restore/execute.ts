import type { KubeClient } from "../kube/client.js";
import { collectionPath, type ApiResource } from "../kube/discovery.js";
import { errorMessage, isAlreadyExists, isNotFound, statusCode } from "../kube/errors.js";
import { forEachConcurrently } from "../concurrency/pool.js";
import type { BackupIndex } from "./backup-index.js";
import { differsWarning, type Item } from "./item-rules.js";
import { differs, type PlanEntry } from "./plan.js";
import type { PlanStep, RestorePlan } from "./planning.js";

/** How an item ended: Velero's words for the resource list, plus why when it is not plain. */
export type ItemOutcome = "created" | "updated" | "skipped" | "failed";

export interface ExecuteOptions {
  client: KubeClient;
  index: BackupIndex;
  /** Requests in flight at once inside a tier. */
  concurrency: number;
  /** How long to wait for a terminating namespace to go. */
  terminatingTimeoutMs: number;
  /** How long to wait for a restored CRD to be established. */
  crdTimeoutMs?: number;
  /** Told the size of each chunk of the plan before it is executed. */
  onChunk?: (steps: number) => void;
  onOutcome: (
    entry: PlanEntry,
    outcome: ItemOutcome,
    messages: { warnings: string[]; error?: string },
  ) => void;
}

const CRDS = "customresourcedefinitions.apiextensions.k8s.io";
const MERGE_PATCH = "application/merge-patch+json";
const POLL_MS = 250;

/**
 * Carries a plan out chunk by chunk, in order, with up to `concurrency` requests at once inside
 * a chunk. CRDs are waited on until established before the plan goes on (it reads discovery
 * again after them). Every step ends in exactly one outcome.
 */
export async function executePlan(plan: RestorePlan, options: ExecuteOptions): Promise<void> {
  for await (const chunk of plan.chunks()) {
    options.onChunk?.(chunk.steps.length);
    const run = (step: PlanStep) =>
      chunk.groupResource === "namespaces"
        ? restoreNamespace(step, chunk.resource, options)
        : restoreStep(step, chunk.resource, options);
    await forEachConcurrently(chunk.steps, options.concurrency, run);
    if (chunk.groupResource === CRDS) await waitEstablished(chunk.steps, options);
  }
}

async function restoreStep(
  step: PlanStep,
  r: ApiResource | undefined,
  options: ExecuteOptions,
): Promise<void> {
  const { entry } = step;
  const warnings = [...entry.warnings];
  const done = (outcome: ItemOutcome, error?: string) =>
    options.onOutcome(entry, outcome, { warnings, ...(error ? { error } : {}) });
  if (entry.action === "skip") return done("skipped");
  if (entry.action === "fail") return done("failed", `error restoring ${where(entry)}: ${entry.reason}`);
  if (!r)
    return done(
      "failed",
      `error restoring ${where(entry)}: the cluster does not serve ${entry.groupResource}`,
    );
  try {
    const raw = await options.index.spool.read(step.body!);
    const path = itemCollection(r, entry);
    if (entry.action === "update") {
      await options.client.request("PATCH", `${path}/${encodeURIComponent(entry.name)}`, {
        body: raw,
        contentType: MERGE_PATCH,
      });
      return done("updated");
    }
    try {
      const created = await options.client.request<Item>("POST", path, { body: raw });
      if (entry.keepsStatus) {
        const body = JSON.parse(raw.toString("utf8")) as Item;
        await restoreStatus(options.client, `${path}/${encodeURIComponent(entry.name)}`, created, body);
      }
      return done("created");
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      // Created by someone else since the plan was made: treated as the plan treats an existing object.
      const existing = await options.client.get<Item>(`${path}/${encodeURIComponent(entry.name)}`);
      if (differs(JSON.parse(raw.toString("utf8")) as Item, existing)) {
        warnings.push(differsWarning(entry.kind, entry.name));
      }
      return done("skipped");
    }
  } catch (err) {
    return done("failed", `error restoring ${where(entry)}: ${errorMessage(err)}`);
  }
}

/** Status goes through the status subresource where there is one; elsewhere the create set it. */
async function restoreStatus(client: KubeClient, path: string, created: Item, body: Item): Promise<void> {
  try {
    await client.request("PUT", `${path}/status`, { body: { ...created, status: body.status } });
  } catch (err) {
    if (!isNotFound(err) && statusCode(err) !== 405) throw err;
  }
}

async function restoreNamespace(
  step: PlanStep,
  r: ApiResource | undefined,
  options: ExecuteOptions,
): Promise<void> {
  const { entry } = step;
  if (entry.action === "create" && r) {
    const path = `${collectionPath(r)}/${encodeURIComponent(entry.name)}`;
    const deadline = Date.now() + options.terminatingTimeoutMs;
    for (;;) {
      try {
        await options.client.get(path);
      } catch (err) {
        if (isNotFound(err)) break;
        throw err;
      }
      if (Date.now() > deadline) {
        return options.onOutcome(entry, "failed", {
          warnings: entry.warnings,
          error: `error restoring namespaces/${entry.name}: namespace is still terminating after ${Math.round(options.terminatingTimeoutMs / 1000)}s`,
        });
      }
      await sleep(POLL_MS * 4);
    }
  }
  return restoreStep(step, r, options);
}

async function waitEstablished(steps: PlanStep[], options: ExecuteOptions): Promise<void> {
  const timeout = options.crdTimeoutMs ?? 60_000;
  await Promise.all(
    steps
      .filter((s) => s.entry.action === "create")
      .map(async ({ entry }) => {
        const deadline = Date.now() + timeout;
        while (Date.now() < deadline) {
          try {
            const crd = await options.client.get<{
              status?: { conditions?: { type: string; status: string }[] };
            }>(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${entry.name}`);
            if (crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")) return;
          } catch (err) {
            if (!isNotFound(err)) throw err;
          }
          await sleep(POLL_MS);
        }
      }),
  );
}

/** The collection an item goes to, at the version it was backed up at. */
function itemCollection(r: ApiResource, entry: PlanEntry): string {
  const version = entry.apiVersion.includes("/")
    ? entry.apiVersion.split("/")[1]!
    : entry.apiVersion || r.version;
  return collectionPath({ ...r, version }, entry.namespace);
}

function where(entry: PlanEntry): string {
  return `${entry.groupResource}/${entry.namespace ? `${entry.namespace}/` : ""}${entry.name}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
