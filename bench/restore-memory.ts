// bench:restore-memory — the live memory a restore's index and plan hold, for a backup of N and of 2N
// items, in one process against a fresh local cluster (planning reads the cluster, writes nothing).
// Live means measured after a full GC, so unlike peak RSS it does not drift with V8's lazy heap
// growth. Executing a chunk adds at most one chunk's worth: the plan is executed as it is made. Then
// the same onto a cluster that holds every object (existingResourcePolicy update), whose snapshot
// of the cluster must not sit in memory either.
import { Readable } from "node:stream";
import { craftedArchive } from "../test/archives.js";
import type { Restore } from "../src/api/v1/index.js";
import { indexBackup } from "../src/restore/backup-index.js";
import { DEFAULT_RESTORE_LIMITS } from "../src/restore/limits.js";
import { planRestore } from "../src/restore/planning.js";
import { DEFAULT_RESTORE_PRIORITIES } from "../src/restore/priorities.js";
import type { KubeClient } from "../src/kube/client.js";
import { fill, namespaceObjects, runBench } from "./support.js";

const NAMESPACES = Number(process.env.BENCH_NAMESPACES ?? 100);

const KINDS: Record<string, string> = {
  configmaps: "ConfigMap",
  secrets: "Secret",
  services: "Service",
  "deployments.apps": "Deployment",
};

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc (npm run bench:restore-memory does)");

/** Heap plus buffers, after a full collection. */
function liveMiB(): number {
  gc!();
  gc!();
  const m = process.memoryUsage();
  return (m.heapUsed + m.external) / 2 ** 20;
}

/** A backup archive of the bench's namespaces, as velero-ts lays items out. */
function backupOf(namespaces: number): { archive: Buffer; items: number } {
  const entries: { path: string; body: Buffer }[] = [];
  for (let n = 0; n < namespaces; n++) {
    const ns = `bench-${String(n).padStart(3, "0")}`;
    const nsBody = { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } };
    entries.push({
      path: `resources/namespaces/cluster/${ns}.json`,
      body: Buffer.from(JSON.stringify(nsBody)),
    });
    for (const o of namespaceObjects(ns)) {
      // /api/v1/namespaces/NS/RESOURCE or /apis/GROUP/VERSION/namespaces/NS/RESOURCE
      const parts = o.path.split("/");
      const apps = parts[1] === "apis";
      const gr = apps ? `${parts.at(-1)}.${parts[2]}` : parts.at(-1)!;
      const kind = KINDS[gr];
      const name = (o.body.metadata as { name: string }).name;
      const body = {
        apiVersion: apps ? "apps/v1" : "v1",
        kind,
        ...o.body,
        metadata: { ...(o.body.metadata as object), namespace: ns },
      };
      entries.push({
        path: `resources/${gr}/namespaces/${ns}/${name}.json`,
        body: Buffer.from(JSON.stringify(body)),
      });
    }
  }
  return { archive: craftedArchive(entries), items: entries.length };
}

async function measure(client: KubeClient, namespaces: number, existingResourcePolicy?: "update") {
  const { archive, items } = backupOf(namespaces);
  const base = liveMiB();
  const index = await indexBackup(Readable.from([archive]), DEFAULT_RESTORE_LIMITS);
  const indexed = liveMiB() - base;
  const restore: Restore = {
    apiVersion: "velero.io/v1",
    kind: "Restore",
    metadata: { name: "bench", namespace: "velero" },
    spec: { backupName: "bench", ...(existingResourcePolicy ? { existingResourcePolicy } : {}) },
  };
  let peak = 0;
  let steps = 0;
  try {
    const plan = await planRestore(restore, index, client, DEFAULT_RESTORE_PRIORITIES);
    for await (const chunk of plan.chunks()) {
      steps += chunk.steps.length;
      peak = Math.max(peak, liveMiB() - base);
    }
  } finally {
    await index.spool.remove();
  }
  console.log(
    `${items} items (${steps} planned): index ${indexed.toFixed(2)} MiB, peak while planning ${peak.toFixed(2)} MiB`,
  );
  return { items, peak };
}

runBench("restore-memory", async ({ client }) => {
  console.log("into an empty cluster:");
  const n = await measure(client, NAMESPACES);
  const twoN = await measure(client, 2 * NAMESPACES);
  console.log(`ratio live memory 2N/N: ${(twoN.peak / n.peak).toFixed(2)} (aim: about 1, flat)`);

  // The same backups onto a cluster that holds every object: each is listed, compared and labelled.
  console.log(`creating the ${2 * NAMESPACES} namespaces' objects...`);
  await fill(client, 0, 2 * NAMESPACES);
  console.log("onto a cluster that holds them, with existingResourcePolicy update:");
  const nOnto = await measure(client, NAMESPACES, "update");
  const twoNOnto = await measure(client, 2 * NAMESPACES, "update");
  console.log(`ratio live memory 2N/N: ${(twoNOnto.peak / nOnto.peak).toFixed(2)} (aim: about 1, flat)`);
});
