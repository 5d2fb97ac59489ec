import { RESTORE_NAME_LABEL } from "../api/labels.js";
import type { KubeClient } from "../kube/client.js";
import { collectionPath, type ApiResource } from "../kube/discovery.js";
import { errorMessage, isAlreadyExists, isNotFound, statusCode } from "../kube/errors.js";
import { forEachConcurrently } from "../concurrency/pool.js";
import type { ExistingPolicies } from "./existing-policy.js";
import { objectKey, type Item } from "../items/item.js";
import { compareExisting } from "./compare.js";
import type { PlanEntry } from "./plan.js";
import type { PlanStep, RestorePlan } from "./planning.js";

/** How an item ended: Velero's words for the resource list, plus why when it is not plain. */
export type ItemOutcome = "created" | "updated" | "recreated" | "skipped" | "pruned" | "failed";

export interface ExecuteOptions {
  client: KubeClient;
  /** Requests in flight at once inside a tier. */
  concurrency: number;
  /** How long to wait for a terminating namespace, or an object deleted to be recreated, to go. */
  terminatingTimeoutMs: number;
  /** How long to wait for a restored CRD to be established. */
  crdTimeoutMs?: number;
  /** Called just before an item whose actions asked for it is created: returns the body to send. */
  beforeCreate?: (step: PlanStep, body: Buffer) => Promise<Buffer>;
  /**
   * Called once an item whose actions asked for operations is created, updated, or left as the
   * cluster holds it, with the object as it is then, to start them.
   */
  startOperations?: (step: PlanStep, item: Item) => Promise<void>;
  /** Told the size of each chunk of the plan as it starts (chunks of a wave of volume objects run at once). */
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
 * Volume objects, which refer to each other only through what controllers reconcile whenever
 * both ends exist (the snapshot controller binds a snapshot to its content, the provisioner waits
 * for a claim's snapshot, the PV controller binds a claim to its volume): their tiers, one after
 * the other in restore order, are created in one wave, without each waiting for the one before.
 */
const ONE_WAVE = new Set([
  "volumesnapshotcontents.snapshot.storage.k8s.io",
  "volumesnapshots.snapshot.storage.k8s.io",
  "datauploads.velero.io",
  "persistentvolumes",
  "persistentvolumeclaims",
]);

/**
 * Carries a plan out chunk by chunk, in order, with up to `concurrency` requests at once inside
 * a chunk; each chunk waits for the one before, but in a wave of volume objects (ONE_WAVE).
 * CRDs are waited on until established before the plan goes on (it reads discovery again after
 * them). Every step ends in exactly one outcome.
 */
export async function executePlan(plan: RestorePlan, options: ExecuteOptions): Promise<void> {
  const stepOptions = { ...options, policies: plan.policies };
  let wave: Promise<void>[] = [];
  for await (const chunk of plan.chunks()) {
    if (!ONE_WAVE.has(chunk.groupResource)) {
      await Promise.all(wave);
      wave = [];
    }
    options.onChunk?.(chunk.steps.length);
    const run = (step: PlanStep) =>
      chunk.groupResource === "namespaces"
        ? restoreNamespace(step, chunk.resource, stepOptions)
        : restoreStep(step, chunk.resource, stepOptions);
    const created = forEachConcurrently(chunk.steps, options.concurrency, run);
    if (ONE_WAVE.has(chunk.groupResource)) {
      created.catch(() => undefined); // its failure is thrown when the wave is awaited
      wave.push(created);
      continue;
    }
    await created;
    if (chunk.groupResource === CRDS) await waitEstablished(chunk.steps, options);
  }
  await Promise.all(wave);
}

/** A step also needs the restore's policies, for the words of its warnings. */
type StepOptions = ExecuteOptions & { policies: ExistingPolicies };

async function restoreStep(step: PlanStep, r: ApiResource | undefined, options: StepOptions): Promise<void> {
  const { entry } = step;
  const warnings = [...entry.warnings];
  const done = (outcome: ItemOutcome, error?: string) =>
    options.onOutcome(entry, outcome, { warnings, ...(error ? { error } : {}) });
  if (entry.action === "skip" && !step.operations) return done("skipped");
  if (entry.action === "fail") return done("failed", `error restoring ${where(entry)}: ${entry.reason}`);
  if (!r)
    return done(
      "failed",
      `error restoring ${where(entry)}: the cluster does not serve ${entry.groupResource}`,
    );
  const itemPath = (path: string) => `${path}/${encodeURIComponent(entry.name)}`;
  try {
    const path = itemCollection(r, entry);
    if (entry.action === "skip") {
      await options.startOperations?.(step, await options.client.get<Item>(itemPath(path)));
      return done("skipped");
    }
    if (entry.action === "prune") {
      await deleteItem(options.client, itemPath(path), entry.uid);
      return done("pruned");
    }
    let raw = step.body!;
    const prepare = async () => {
      if (step.beforeCreate && options.beforeCreate) raw = await options.beforeCreate(step, raw);
    };
    if (entry.action === "update") {
      if (entry.madeByController) await waitMade(options, itemPath(path));
      try {
        const updated = await mergePatch(options.client, itemPath(path), raw);
        if (step.operations) await options.startOperations?.(step, updated as Item);
      } catch (err) {
        if (!entry.labelsFallback) throw err;
        // The design's fallback: the object keeps its fields and gets this restore's labels.
        const refused = `could not update ${entry.kind} "${objectKey(entry.namespace, entry.name)}" to the backup's version: ${errorMessage(err)}`;
        try {
          await mergePatch(options.client, itemPath(path), Buffer.from(JSON.stringify(entry.labelsFallback)));
        } catch (labelsErr) {
          return done(
            "failed",
            `${refused}; patching its restore labels failed too: ${errorMessage(labelsErr)}`,
          );
        }
        warnings.push(`${refused}; only its restore labels were patched`);
      }
      return done("updated");
    }
    if (entry.action === "recreate") {
      await deleteItem(options.client, itemPath(path), entry.uid);
      const stuck = await waitGone(options, itemPath(path), entry.uid, POLL_MS);
      if (stuck) {
        const finalizers = (stuck.metadata?.["finalizers"] as string[] | undefined) ?? [];
        throw new Error(
          `deleted to be recreated, it was still there after ${timeoutText(options)}` +
            (finalizers.length ? ` (finalizers: ${finalizers.join(", ")})` : ""),
        );
      }
      await prepare();
      await options.client.request("POST", path, { body: raw });
      return done("recreated");
    }
    await prepare();
    try {
      const created = await options.client.request<Item>("POST", path, { body: raw });
      if (entry.keepsStatus) {
        const body = JSON.parse(raw.toString("utf8")) as Item;
        await restoreStatus(options.client, itemPath(path), created, body);
      }
      if (step.operations) await options.startOperations?.(step, created);
      return done("created");
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      const prepared = JSON.parse(raw.toString("utf8")) as Item;
      const existing = await options.client.get<Item>(itemPath(path));
      // A create that reached the API server but whose answer was lost, then retried: this restore made it.
      const restoredBy = (o: Item) => o.metadata?.labels?.[RESTORE_NAME_LABEL];
      if (restoredBy(existing) !== undefined && restoredBy(existing) === restoredBy(prepared)) {
        if (entry.keepsStatus) await restoreStatus(options.client, itemPath(path), existing, prepared);
        return done("created");
      }
      // Created by someone else since the plan was made: skipped, as `none` does with an existing object.
      if (!compareExisting(prepared, existing, prepared).identical) {
        warnings.push(options.policies.differsWarning(entry.groupResource, entry.kind, entry.name));
      }
      return done("skipped");
    }
  } catch (err) {
    return done("failed", `error restoring ${where(entry)}: ${errorMessage(err)}`);
  }
}

function mergePatch(client: KubeClient, path: string, body: Buffer): Promise<unknown> {
  return client.request("PATCH", path, { body, contentType: MERGE_PATCH });
}

/** Deletes one object, and only the one the plan saw (its uid); its dependents go in the background. */
async function deleteItem(client: KubeClient, path: string, uid: string | undefined): Promise<void> {
  try {
    await client.request("DELETE", path, {
      body: {
        apiVersion: "v1",
        kind: "DeleteOptions",
        propagationPolicy: "Background",
        ...(uid ? { preconditions: { uid } } : {}),
      },
    });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/**
 * Waits up to the terminating timeout until the object at `path` (the one with this uid, when
 * given) is gone, finalizers and all. Returns it if it is still there at the deadline.
 */
async function waitGone(
  options: ExecuteOptions,
  path: string,
  uid: string | undefined,
  pollMs: number,
): Promise<Item | undefined> {
  const deadline = Date.now() + options.terminatingTimeoutMs;
  for (;;) {
    let current: Item;
    try {
      current = await options.client.get<Item>(path);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    if (uid && current.metadata?.uid !== uid) return undefined;
    if (Date.now() > deadline) return current;
    await sleep(pollMs);
  }
}

/** How long a namespace's controllers get to make their objects in it. */
const CONTROLLER_MADE_TIMEOUT_MS = 30_000;

/** Waits until the object a namespace's controller makes is there; the update after says if it never came. */
async function waitMade(options: ExecuteOptions, path: string): Promise<void> {
  const deadline = Date.now() + CONTROLLER_MADE_TIMEOUT_MS;
  while (Date.now() < deadline) {
    try {
      await options.client.get<Item>(path);
      return;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    await sleep(POLL_MS);
  }
}

function timeoutText(options: ExecuteOptions): string {
  return `${Math.round(options.terminatingTimeoutMs / 1000)}s`;
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
  options: StepOptions,
): Promise<void> {
  const { entry } = step;
  if (entry.action === "create" && r) {
    const path = `${collectionPath(r)}/${encodeURIComponent(entry.name)}`;
    if (await waitGone(options, path, undefined, POLL_MS * 4)) {
      return options.onOutcome(entry, "failed", {
        warnings: entry.warnings,
        error: `error restoring namespaces/${entry.name}: namespace is still terminating after ${timeoutText(options)}`,
      });
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
