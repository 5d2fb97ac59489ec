// bench:backup — objects per second of `backup create --wait` against a plain paginated LIST
// of the same resources (the ceiling) in the same run, and the server's peak memory at N and 2N objects.
import type { Backup } from "../src/api/v1/index.js";
import { VELERO_API_VERSION } from "../src/api/v1/index.js";
import { discover } from "../src/kube/discovery.js";
import { listPages } from "../src/kube/list.js";
import { VeleroClient } from "../src/kube/velero-client.js";
import { sleep } from "../src/local-cluster/processes.js";
import { mergeConcurrently } from "../src/concurrency/merge.js";
import {
  fill,
  peakRssMiB,
  printPeakMemory,
  rate,
  runBench,
  startServer,
  stopServer,
  VELERO_NS,
} from "./support.js";
import type { KubeClient } from "../src/kube/client.js";

const NAMESPACES = Number(process.env.BENCH_NAMESPACES ?? 100);

/**
 * The ceiling: every item of every listable resource, paginated (500 a page), either one LIST
 * after another as a plain client does, or with the backup's own concurrency (8).
 */
async function listEverything(client: KubeClient, concurrency: number): Promise<number> {
  const { resources } = await discover(client);
  const listable = resources.filter((r) => r.verbs.includes("list") && r.verbs.includes("get"));
  let count = 0;
  const sources = listable.map((r) => () => listPages(client, r));
  for await (const page of mergeConcurrently(sources, concurrency)) count += page.length;
  return count;
}

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

/** Creates a Backup of every namespace and waits for it to complete; returns its time and item count. */
async function timedBackup(velero: VeleroClient, name: string): Promise<{ ms: number; items: number }> {
  const started = Date.now();
  await velero.create<Backup>("backups", {
    apiVersion: VELERO_API_VERSION,
    kind: "Backup",
    metadata: { name, namespace: VELERO_NS },
    spec: { includedNamespaces: ["*"] },
  });
  for (;;) {
    const b = await velero.get<Backup>("backups", name);
    const phase = b?.status?.phase;
    if (phase && !["New", "InProgress"].includes(phase)) {
      if (phase !== "Completed")
        throw new Error(`backup ${name} ended ${phase}: ${b?.status?.failureReason ?? ""}`);
      return { ms: Date.now() - started, items: b.status!.progress!.itemsBackedUp! };
    }
    await sleep(50);
  }
}

interface Timing {
  items: number;
  ms: number;
}

/** The run with the median time: a noisy machine slows single runs at random. */
function median(runs: Timing[]): Timing {
  return [...runs].sort((a, b) => a.ms - b.ms)[Math.floor(runs.length / 2)]!;
}

async function timed(fn: () => Promise<number>): Promise<Timing> {
  const started = Date.now();
  const items = await fn();
  return { items, ms: Date.now() - started };
}

/**
 * ROUNDS rounds of (plain LIST, 8-way LIST, backup) against one server, taking the median of
 * each; then the server's peak memory.
 */
async function measure(client: KubeClient, kubeconfig: string, label: string) {
  const server = startServer(kubeconfig);
  const velero = new VeleroClient(client, VELERO_NS);
  try {
    await sleep(3000); // let the server start and check the location
    const plain: Timing[] = [];
    const eightWay: Timing[] = [];
    const backups: Timing[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      plain.push(await timed(() => listEverything(client, 1)));
      eightWay.push(await timed(() => listEverything(client, 8)));
      backups.push(await timedBackup(velero, `bench-${label}-${round}`));
    }
    return {
      plain: median(plain),
      eightWay: median(eightWay),
      backup: median(backups),
      peak: await peakRssMiB(server.pid!),
    };
  } finally {
    await stopServer(server);
  }
}

runBench("backup", async ({ kubeconfig, client }) => {
  console.log(`filling ${NAMESPACES} namespaces...`);
  const created = await fill(client, 0, NAMESPACES);
  console.log(`created ${created} objects`);
  const first = await measure(client, kubeconfig, "n");

  console.log(`filling ${NAMESPACES} more namespaces for the 2N run...`);
  await fill(client, NAMESPACES, 2 * NAMESPACES);
  const second = await measure(client, kubeconfig, "2n");

  const line = (what: string, t: Timing) =>
    console.log(
      `${what.padEnd(40)} ${t.items} items in ${(t.ms / 1000).toFixed(2)}s = ${rate(t.items, t.ms).toFixed(0)} items/s`,
    );
  const ratio = (a: Timing, b: Timing) => (rate(a.items, a.ms) / rate(b.items, b.ms)).toFixed(2);
  console.log(`\nmedians of ${ROUNDS} rounds:`);
  line("paginated LIST, one at a time (ceiling):", first.plain);
  line("paginated LIST, 8 at a time:", first.eightWay);
  line("backup create --wait:", first.backup);
  console.log(`ratio backup/plain LIST: ${ratio(first.backup, first.plain)} (aim: at least 0.7)`);
  console.log(`ratio backup/8-way LIST: ${ratio(first.backup, first.eightWay)}`);
  line("2N: paginated LIST, one at a time:", second.plain);
  line("2N: backup create --wait:", second.backup);
  console.log(`2N ratio backup/plain LIST: ${ratio(second.backup, second.plain)}`);
  printPeakMemory(
    { peak: first.peak, items: first.backup.items },
    { peak: second.peak, items: second.backup.items },
  );
});
