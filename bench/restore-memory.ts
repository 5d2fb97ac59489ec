// bench:restore-memory — the live memory a restore's index and plan hold, for a backup of N and of 2N
// items, in one process against a fresh local cluster (planning reads the cluster, writes nothing).
// Live means measured after a full GC, so unlike peak RSS it does not drift with V8's lazy heap
// growth. Executing a chunk adds at most one chunk's worth: the plan is executed as it is made. Then
// the same onto a cluster that holds every object (existingResourcePolicy update), whose snapshot
// of the cluster must not sit in memory either. Last, a backup of items just under the per-item
// limit: the temporary disk a restore uses against the items' own decompressed size.
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
const LARGE_ITEMS = Number(process.env.BENCH_LARGE_ITEMS ?? 200);

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

/** A backup of `count` ConfigMaps just under the per-item limit, planned: spool bytes against item bytes. */
async function measureLarge(client: KubeClient, count: number) {
  const filler = "x".repeat(DEFAULT_RESTORE_LIMITS.itemMaxBytes - 4096);
  const entries = Array.from({ length: count }, (_, i) => {
    const body = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: `big-${i}`, namespace: "bench-large" },
    };
    return {
      path: `resources/configmaps/namespaces/bench-large/big-${i}.json`,
      body: Buffer.from(JSON.stringify({ ...body, data: { filler } })),
    };
  });
  const itemBytes = entries.reduce((n, e) => n + e.body.length, 0);
  const archive = craftedArchive(entries);
  const base = liveMiB();
  const index = await indexBackup(Readable.from([archive]), DEFAULT_RESTORE_LIMITS);
  let peak = 0;
  try {
    const restore: Restore = {
      apiVersion: "velero.io/v1",
      kind: "Restore",
      metadata: { name: "bench", namespace: "velero" },
      spec: { backupName: "bench" },
    };
    const plan = await planRestore(restore, index, client, DEFAULT_RESTORE_PRIORITIES);
    for await (const chunk of plan.chunks()) {
      if (chunk.steps.length) peak = Math.max(peak, liveMiB() - base);
    }
    const spooled = index.spool.size;
    const onDisk = index.spool.fileBytes;
    console.log(
      `${count} items of ${(filler.length / 2 ** 20).toFixed(2)} MiB (archive ${(archive.length / 2 ** 20).toFixed(1)} MiB gzipped): ` +
        `items ${(itemBytes / 2 ** 20).toFixed(0)} MiB decompressed, temporary spool ${(spooled / 2 ** 20).toFixed(0)} MiB (${(onDisk / 2 ** 20).toFixed(0)} MiB of it on disk), ` +
        `peak live memory while planning ${peak.toFixed(1)} MiB`,
    );
    console.log(
      `ratio temporary spool / decompressed items: ${(spooled / itemBytes).toFixed(2)} (aim: 1, each item once)`,
    );
  } finally {
    await index.spool.remove();
  }
}

runBench("restore-memory", async ({ client }) => {
  console.log("a backup of items just under the per-item limit, into an empty cluster:");
  await measureLarge(client, LARGE_ITEMS);

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
