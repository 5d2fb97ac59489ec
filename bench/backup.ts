// bench:backup — objects per second of `backup create --wait` against a plain paginated LIST
// of the same resources (the ceiling) in the same run, and the server's peak memory at N and 2N objects.
import type { Backup } from "../src/api/v1/index.js";
import { VELERO_API_VERSION } from "../src/api/v1/index.js";
import { discover } from "../src/kube/discovery.js";
import { listPages } from "../src/kube/list.js";
import { VeleroClient } from "../src/kube/velero-client.js";
import { sleep } from "../src/local-cluster/processes.js";
import { mergeConcurrently } from "../src/backup/merge.js";
import {
  benchCluster,
  fill,
  peakRssMiB,
  rate,
  startServer,
  stopBenchCluster,
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

async function timedBackup(client: KubeClient, kubeconfig: string, name: string) {
  const server = startServer(kubeconfig);
  const velero = new VeleroClient(client, VELERO_NS);
  try {
    await sleep(3000); // let the server start and check the location
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
        return {
          ms: Date.now() - started,
          items: b.status!.progress!.itemsBackedUp!,
          peak: await peakRssMiB(server.pid!),
        };
      }
      await sleep(100);
    }
  } finally {
    await stopServer(server);
  }
}

async function main(): Promise<void> {
  const { dir, kubeconfig, client } = await benchCluster("backup");
  try {
    console.log(`filling ${NAMESPACES} namespaces...`);
    const created = await fill(client, 0, NAMESPACES);
    console.log(`created ${created} objects`);

    const plainStart = Date.now();
    const plainListed = await listEverything(client, 1);
    const plainMs = Date.now() - plainStart;
    const listStart = Date.now();
    const listed = await listEverything(client, 8);
    const listMs = Date.now() - listStart;
    const first = await timedBackup(client, kubeconfig, "bench-n");

    console.log(`filling ${NAMESPACES} more namespaces for the 2N run...`);
    await fill(client, NAMESPACES, 2 * NAMESPACES);
    const second = await timedBackup(client, kubeconfig, "bench-2n");

    const backupRate = rate(first.items, first.ms);
    const plainRate = rate(plainListed, plainMs);
    const listRate = rate(listed, listMs);
    const line = (what: string, items: number, ms: number) =>
      console.log(
        `${what.padEnd(40)} ${items} items in ${(ms / 1000).toFixed(1)}s = ${rate(items, ms).toFixed(0)} items/s`,
      );
    console.log("");
    line("paginated LIST, one at a time (ceiling):", plainListed, plainMs);
    line("paginated LIST, 8 at a time:", listed, listMs);
    line("backup create --wait:", first.items, first.ms);
    console.log(`ratio backup/plain LIST: ${(backupRate / plainRate).toFixed(2)} (aim: at least 0.7)`);
    console.log(`ratio backup/8-way LIST: ${(backupRate / listRate).toFixed(2)}`);
    console.log(
      `server peak memory: ${first.peak.toFixed(0)} MiB at ${first.items} items, ${second.peak.toFixed(0)} MiB at ${second.items} items`,
    );
    console.log(`ratio peak memory 2N/N: ${(second.peak / first.peak).toFixed(2)} (aim: about 1, flat)`);
  } finally {
    client.close();
    await stopBenchCluster(dir);
  }
}

main().catch((err: unknown) => {
  console.error(`bench:backup failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
