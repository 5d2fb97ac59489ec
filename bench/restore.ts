// bench:restore — objects per second of a Restore against creating the same objects straight through
// the API with the same concurrency (the ceiling) and against `kubectl create -f` (what a user would do
// by hand), in the same run; the same restore onto the cluster that still holds every object, with the
// existing-resource policies none and update; and the server's peak memory restoring N and 2N namespaces. Uncapped, V8
// grows its heap lazily, so peak RSS drifts up with the work done: run with BENCH_SERVER_HEAP_MIB=64 to
// see that the memory a restore needs is bounded.
import { spawn, type ChildProcess } from "node:child_process";
import { createReadStream, promises as fs } from "node:fs";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import type { Backup, ExistingResourcePolicy, Restore } from "../src/api/v1/index.js";
import { FINISHED_BACKUP_PHASES, FINISHED_RESTORE_PHASES, VELERO_API_VERSION } from "../src/api/v1/index.js";
import { readBackupArchive } from "../src/archive/backup-archive-reader.js";
import { forEachConcurrently } from "../src/concurrency/pool.js";
import type { KubeClient } from "../src/kube/client.js";
import { collectionPath, discover, type ApiResource } from "../src/kube/discovery.js";
import { isNotFound } from "../src/kube/errors.js";
import { VeleroClient } from "../src/kube/velero-client.js";
import { sleep } from "../src/local-cluster/processes.js";
import type { Item } from "../src/items/item.js";
import { ItemActionRegistry } from "../src/items/registry.js";
import { restoreItemActions, emptyRestoreActionState } from "../src/restore/actions/index.js";
import { NEVER_RESTORED, prepareItem } from "../src/restore/item-rules.js";
import { runRestoreActions } from "../src/restore/run-restore-actions.js";
import { canonicalName, findResource } from "../src/restore/planning.js";
import { DEFAULT_RESTORE_PRIORITIES, orderGroupResources } from "../src/restore/priorities.js";
import { backupContentsKey, restoreResourceListKey, restoreResultsKey } from "../src/storage/keys.js";
import {
  fill,
  namespaceObjects,
  peakRssMiB,
  printPeakMemory,
  rate,
  runBench,
  startServer,
  stopServer,
  VELERO_NS,
} from "./support.js";

const NAMESPACES = Number(process.env.BENCH_NAMESPACES ?? 100);
/** kubectl is slow: BENCH_KUBECTL_NAMESPACES=K times it on the first K namespaces only. */
const KUBECTL_NAMESPACES = Number(process.env.BENCH_KUBECTL_NAMESPACES ?? NAMESPACES);
/** Requests in flight inside a tier: the server's --restore-concurrency, and the ceiling's. */
const CONCURRENCY = 32;
/** What a fresh namespace already holds: a restore finds these present and skips them. */
const PREEXISTING = new Set(["serviceaccounts/default", "configmaps/kube-root-ca.crt"]);

interface Timing {
  items: number;
  ms: number;
}

/** The items of one group-resource, created after the tiers before it. */
interface Tier {
  resource: ApiResource;
  items: Item[];
}

/** Polls a Backup or Restore until its phase is a finished one; fails if the server dies first. */
async function finished<T extends Backup | Restore>(
  velero: VeleroClient,
  server: ChildProcess,
  plural: "backups" | "restores",
  name: string,
): Promise<T> {
  const done: readonly string[] = plural === "backups" ? FINISHED_BACKUP_PHASES : FINISHED_RESTORE_PHASES;
  for (;;) {
    if (server.exitCode !== null || server.signalCode !== null)
      throw new Error(
        `the server exited (${server.exitCode ?? server.signalCode}) before ${plural}/${name} ended`,
      );
    const o = await velero.get<T>(plural, name);
    if (o && done.includes(o.status?.phase ?? "")) return o;
    await sleep(50);
  }
}

async function backup(velero: VeleroClient, server: ChildProcess, name: string): Promise<void> {
  await velero.create<Backup>("backups", {
    apiVersion: VELERO_API_VERSION,
    kind: "Backup",
    metadata: { name, namespace: VELERO_NS },
    spec: { includedNamespaces: ["bench-*"] },
  });
  const b = await finished<Backup>(velero, server, "backups", name);
  if (b.status?.phase !== "Completed")
    throw new Error(`backup ${name} ended ${b.status?.phase}: ${b.status?.failureReason ?? ""}`);
}

/**
 * What a restore of the backup creates, tier by tier in restore order (namespaces first): the
 * archive's top-level items, skipped and prepared by the restore's own rules. The PREEXISTING
 * objects are left out of every side (only counted), so all rates are of objects actually created.
 */
async function sameObjects(
  client: KubeClient,
  storage: string,
  backupName: string,
): Promise<{ tiers: Tier[]; count: number; preexisting: number }> {
  const { resources } = await discover(client);
  const ctx = {
    backupName,
    restoreName: "bench-ceiling",
    mapNamespace: (ns: string) => ns,
    restoreStatus: false,
    preserveNodePorts: false,
  };
  // The objects as the restore makes them: the same actions, into a cluster that holds none.
  const actions = new ItemActionRegistry(restoreItemActions(emptyRestoreActionState("bench")));
  const byResource = new Map<string, Item[]>();
  let count = 0;
  let preexisting = 0;
  const archive = createReadStream(path.join(storage, backupContentsKey(backupName)));
  for await (const entry of readBackupArchive(archive)) {
    const { groupResource: gr, namespace, name } = entry;
    // Each item is there twice; the restore takes the top-level copy.
    if (entry.preferredVersion !== undefined || NEVER_RESTORED.has(gr)) continue;
    if (!(namespace ?? name).startsWith("bench-")) continue;
    const item = JSON.parse(entry.data.toString("utf8")) as Item;
    const said = runRestoreActions(actions, gr, prepareItem(gr, item, ctx), item, undefined, ctx);
    if (said.skip) continue;
    if (PREEXISTING.has(`${gr}/${name}`)) {
      preexisting++;
      continue;
    }
    let tier = byResource.get(gr);
    if (!tier) byResource.set(gr, (tier = []));
    tier.push(said.item);
    count++;
  }
  const order = orderGroupResources(byResource.keys(), DEFAULT_RESTORE_PRIORITIES, canonicalName(resources));
  const tiers = order.map((gr) => ({ resource: findResource(resources, gr)!, items: byResource.get(gr)! }));
  return { tiers, count, preexisting };
}

/** The number of a bench namespace: 7 for bench-007. */
const benchIndex = (namespace: string) => Number(namespace.slice("bench-".length));

/**
 * Deletes the bench namespaces numbered below `below` and waits until they are gone: the namespace
 * controller empties them asynchronously, at about half a second a namespace here.
 */
async function deleteBenchNamespaces(client: KubeClient, below = Infinity): Promise<void> {
  const started = Date.now();
  const present = async () =>
    (await client.get<{ items: Item[] }>("/api/v1/namespaces")).items
      .map((n) => n.metadata?.name ?? "")
      .filter((n) => n.startsWith("bench-") && benchIndex(n) < below);
  await forEachConcurrently(await present(), 16, async (ns) => {
    await client.request("DELETE", `/api/v1/namespaces/${ns}`).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
  });
  while ((await present()).length > 0) {
    if (Date.now() - started > 300_000) throw new Error("bench namespaces still terminating after 5 minutes");
    await sleep(500);
  }
  console.log(`deleted bench namespaces in ${((Date.now() - started) / 1000).toFixed(0)}s`);
}

/**
 * Restores a backup into a cluster without its namespaces, with a fresh server so that its peak
 * memory is this restore's; checks every item of `expected` was restored.
 */
async function timedRestore(
  client: KubeClient,
  kubeconfig: string,
  storage: string,
  backupName: string,
  expected: { count: number; preexisting: number },
  existingResourcePolicy?: ExistingResourcePolicy,
): Promise<Timing & { peak: number; warnings: number; outcomes: Record<string, number> }> {
  const server = startServer(kubeconfig, [`--restore-concurrency=${CONCURRENCY}`]);
  const velero = new VeleroClient(client, VELERO_NS);
  const name = `restore-${backupName}${existingResourcePolicy ? `-${existingResourcePolicy}` : ""}`;
  try {
    await sleep(3000); // let the server start and check the location
    const started = Date.now();
    await velero.create<Restore>("restores", {
      apiVersion: VELERO_API_VERSION,
      kind: "Restore",
      metadata: { name, namespace: VELERO_NS },
      spec: {
        backupName,
        includedNamespaces: ["*"],
        ...(existingResourcePolicy ? { existingResourcePolicy } : {}),
      },
    });
    const { status } = await finished<Restore>(velero, server, "restores", name);
    const ms = Date.now() - started;
    if (status?.phase !== "Completed") {
      const results = await fs.readFile(path.join(storage, restoreResultsKey(name))).catch(() => undefined);
      throw new Error(
        `restore ${name} ended ${status?.phase}: ${status?.failureReason ?? ""} ` +
          (results ? gunzipSync(results).toString("utf8").slice(0, 2000) : ""),
      );
    }
    const restored = status.progress?.itemsRestored;
    if (restored !== expected.count + expected.preexisting)
      throw new Error(
        `restore ${name} restored ${restored} items, not ${expected.count} + ${expected.preexisting} already there`,
      );
    return {
      items: expected.count,
      ms,
      peak: await peakRssMiB(server.pid!),
      warnings: status.warnings ?? 0,
      outcomes: await outcomes(storage, name),
    };
  } finally {
    await stopServer(server);
  }
}

/** How many items of a restore ended each way, from its resource list. */
async function outcomes(storage: string, restore: string): Promise<Record<string, number>> {
  const list = JSON.parse(
    gunzipSync(await fs.readFile(path.join(storage, restoreResourceListKey(restore)))).toString("utf8"),
  ) as Record<string, string[]>;
  const counts: Record<string, number> = {};
  for (const entry of Object.values(list).flat()) {
    const outcome = /\((\w+)\)$/.exec(entry)?.[1] ?? "?";
    counts[outcome] = (counts[outcome] ?? 0) + 1;
  }
  return counts;
}

/** The ceiling: the same POSTs as the restore, tier after tier, CONCURRENCY at once inside a tier. */
async function createStraight(client: KubeClient, tiers: Tier[]): Promise<void> {
  for (const { resource, items } of tiers) {
    await forEachConcurrently(items, CONCURRENCY, (body) =>
      client.request("POST", collectionPath(resource, body.metadata?.namespace), { body }),
    );
  }
}

/** `kubectl create -f` of one List of the objects, in restore order. */
async function kubectlCreate(kubeconfig: string, file: string, items: Item[]): Promise<void> {
  await fs.writeFile(file, JSON.stringify({ apiVersion: "v1", kind: "List", items }));
  const kubectl = spawn("kubectl", ["--kubeconfig", kubeconfig, "create", "-f", file], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  const code = await new Promise((resolve) => kubectl.once("exit", resolve));
  if (code !== 0) throw new Error(`kubectl create -f ${file} exited with ${String(code)}`);
}

async function timed(fn: () => Promise<unknown>, items: number): Promise<Timing> {
  const started = Date.now();
  await fn();
  return { items, ms: Date.now() - started };
}

runBench("restore", async ({ dir, kubeconfig, client }) => {
  const storage = path.join(dir, "storage");
  // Backups of N namespaces, then of 2N, by one server; the restores each have a fresh one.
  const server = startServer(kubeconfig);
  try {
    const velero = new VeleroClient(client, VELERO_NS);
    console.log(`filling ${NAMESPACES} namespaces...`);
    await fill(client, 0, NAMESPACES);
    await sleep(3000); // let the server start and check the location
    await backup(velero, server, "bench-n");
    console.log(`filling ${NAMESPACES} more namespaces for the 2N run...`);
    await fill(client, NAMESPACES, 2 * NAMESPACES);
    await backup(velero, server, "bench-2n");
  } finally {
    await stopServer(server);
  }
  const n = await sameObjects(client, storage, "bench-n");
  const twoN = await sameObjects(client, storage, "bench-2n");

  // Single runs, no medians: each needs its namespaces deleted first, which takes about a minute.
  // The N-object comparisons run in a cluster holding only their own namespaces; 2N comes last.
  await deleteBenchNamespaces(client);
  console.log(`restoring ${n.count} objects...`);
  const restore = await timedRestore(client, kubeconfig, storage, "bench-n", n);
  const configmaps = await client.get<{ items: Item[] }>("/api/v1/namespaces/bench-000/configmaps");
  const wanted = namespaceObjects("bench-000").filter((o) => o.path.endsWith("/configmaps")).length + 1;
  if (configmaps.items.length !== wanted)
    throw new Error(`bench-000 has ${configmaps.items.length} configmaps after the restore, not ${wanted}`);

  // The same backup again, onto the cluster that still holds every object: nothing has changed.
  console.log(`restoring the same ${n.count} objects onto themselves, with none, then update...`);
  const onto = {
    none: await timedRestore(client, kubeconfig, storage, "bench-n", n, "none"),
    update: await timedRestore(client, kubeconfig, storage, "bench-n", n, "update"),
  };

  await deleteBenchNamespaces(client);
  console.log(`creating the same ${n.count} objects straight through the API...`);
  const ceiling = await timed(() => createStraight(client, n.tiers), n.count);

  await deleteBenchNamespaces(client, KUBECTL_NAMESPACES);
  const byHand = n.tiers
    .flatMap((t) => t.items)
    .filter((i) => benchIndex(i.metadata?.namespace ?? i.metadata?.name ?? "") < KUBECTL_NAMESPACES);
  console.log(`kubectl create -f of ${byHand.length} objects...`);
  const kubectl = await timed(
    () => kubectlCreate(kubeconfig, path.join(dir, "kubectl-create.json"), byHand),
    byHand.length,
  );

  await deleteBenchNamespaces(client);
  console.log(`restoring ${twoN.count} objects...`);
  const restore2N = await timedRestore(client, kubeconfig, storage, "bench-2n", twoN);

  const line = (what: string, t: Timing) =>
    console.log(
      `${what.padEnd(46)} ${t.items} items in ${(t.ms / 1000).toFixed(2)}s = ${rate(t.items, t.ms).toFixed(0)} items/s`,
    );
  const ratio = (a: Timing, b: Timing) => (rate(a.items, a.ms) / rate(b.items, b.ms)).toFixed(2);
  console.log(
    `\n(counts leave out each namespace's ${[...PREEXISTING].join(" and ")}: a fresh one has them)`,
  );
  line(`restore, ${CONCURRENCY} at a time:`, restore);
  line(`straight POSTs, ${CONCURRENCY} at a time (ceiling):`, ceiling);
  line(
    `kubectl create -f (${byHand.length < n.count ? `first ${KUBECTL_NAMESPACES} namespaces` : "all"}):`,
    kubectl,
  );
  console.log(`Velero restores about 10 to 20 items/s`);
  console.log(`ratio restore/ceiling: ${ratio(restore, ceiling)} (aim: at least 0.8)`);
  console.log(`ratio restore/kubectl: ${ratio(restore, kubectl)} (aim: at least 5)`);
  console.log(
    `ratio ceiling/kubectl: ${ratio(ceiling, kubectl)} (the most any client gains over kubectl here)`,
  );
  for (const [policy, t] of Object.entries(onto)) {
    line(`restore onto the same objects, ${policy}:`, t);
    const how = Object.entries(t.outcomes)
      .map(([o, c]) => `${c} ${o}`)
      .join(", ");
    console.log(`  ${how}; ${t.warnings} warnings (an object that differs would warn under none)`);
    console.log(
      `  time ratio to the restore into an empty cluster: ${(t.ms / restore.ms).toFixed(2)} (aim: at most 2)`,
    );
  }
  line("2N: restore:", restore2N);
  printPeakMemory(restore, restore2N);
});
