// Shared by the benchmark scripts: a cluster of their own, filling it, and a server to measure.
import { spawn, type ChildProcess } from "node:child_process";
import { openSync } from "node:fs";
import { promises as fs } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildProgressBar } from "../src/cli/progress.js";
import { KubeClient } from "../src/kube/client.js";
import { loadKubeConfig } from "../src/kube/config.js";
import { applyInstall } from "../src/install/apply.js";
import { installObjects } from "../src/install/manifests.js";
import { DEFAULT_IMAGE } from "../src/install/options.js";
import { up } from "../src/local-cluster/cluster.js";
import type { ClusterLayout } from "../src/local-cluster/layout.js";
import { forEachConcurrently } from "../src/concurrency/pool.js";

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
export const CLI = path.join(repoRoot, "bin", "velero-ts.js");
export const VELERO_NS = "velero";

/**
 * A fresh local cluster for a benchmark, with velero-ts' CRDs and a filesystem location but no
 * server. The location is in the cluster's directory unless `storageDir` names another's.
 */
export async function benchCluster(
  name: string,
  storageDir?: string,
): Promise<{ dir: string; kubeconfig: string; client: KubeClient }> {
  const dir = path.join(repoRoot, `.bench-${name}`);
  const { down } = await import("../src/local-cluster/cluster.js");
  await down({ dir, deleteData: true });
  const cluster = await up({
    dir,
    nodes: 2,
    install: false,
    buildProgress: buildProgressBar,
    say: (l) => console.error(`[cluster] ${l}`),
  });
  const storage = storageDir ?? path.join(dir, "storage");
  await fs.mkdir(storage, { recursive: true });
  const objects = installObjects({
    namespace: VELERO_NS,
    provider: "filesystem",
    bucket: "bench",
    backupLocationConfig: { path: storage },
    noSecret: true,
    useNodeAgent: false,
    useVolumeSnapshots: false,
    image: DEFAULT_IMAGE,
  }).filter((o) => o.kind !== "Deployment" && o.kind !== "DaemonSet");
  const kc = loadKubeConfig(cluster.kubeconfig);
  await applyInstall(kc, objects);
  return { dir, kubeconfig: cluster.kubeconfig, client: new KubeClient(kc, { maxSockets: 64 }) };
}

export async function stopBenchCluster(dir: string): Promise<void> {
  const { down } = await import("../src/local-cluster/cluster.js");
  await down({ dir });
}

/** The objects of one benchmark namespace: configmaps, secrets, services and deployments, 100 in all. */
export function namespaceObjects(ns: string): { path: string; body: Record<string, unknown> }[] {
  const objects: { path: string; body: Record<string, unknown> }[] = [];
  const payload = "x".repeat(512);
  for (let i = 0; i < 40; i++) {
    objects.push({
      path: `/api/v1/namespaces/${ns}/configmaps`,
      body: { metadata: { name: `config-${i}`, labels: { app: `app-${i % 10}` } }, data: { payload } },
    });
    objects.push({
      path: `/api/v1/namespaces/${ns}/secrets`,
      body: { metadata: { name: `secret-${i}` }, stringData: { password: `secret-${i}-${payload}` } },
    });
  }
  for (let i = 0; i < 10; i++) {
    objects.push({
      path: `/api/v1/namespaces/${ns}/services`,
      body: {
        metadata: { name: `svc-${i}` },
        spec: { selector: { app: `app-${i}` }, ports: [{ port: 80, targetPort: 8080 }] },
      },
    });
    objects.push({
      path: `/apis/apps/v1/namespaces/${ns}/deployments`,
      body: {
        metadata: { name: `deploy-${i}` },
        spec: {
          replicas: 0,
          selector: { matchLabels: { app: `app-${i}` } },
          template: {
            metadata: { labels: { app: `app-${i}` } },
            spec: { containers: [{ name: "c", image: "nginx" }] },
          },
        },
      },
    });
  }
  return objects;
}

/** Creates namespaces [from, to) with their objects; returns the number of objects created. */
export async function fill(client: KubeClient, from: number, to: number): Promise<number> {
  const names = Array.from({ length: to - from }, (_, i) => `bench-${String(from + i).padStart(3, "0")}`);
  await forEachConcurrently(names, 16, (ns) =>
    client.request("POST", "/api/v1/namespaces", { body: { metadata: { name: ns } } }),
  );
  const objects = names.flatMap(namespaceObjects);
  await forEachConcurrently(objects, 32, (o) => client.request("POST", o.path, { body: o.body }));
  return objects.length;
}

/**
 * A velero-ts server as a child process, so its own peak memory can be read.
 * BENCH_CPU_PROFILE=DIR writes the server's V8 CPU profile into DIR when it stops;
 * BENCH_SERVER_HEAP_MIB=N caps the server's old-generation heap, to show its memory is bounded
 * (uncapped, V8 lets the heap grow lazily, so peak RSS drifts up with the work done).
 * `args` are more server flags.
 */
export function startServer(kubeconfig: string, args: string[] = []): ChildProcess {
  const profileDir = process.env.BENCH_CPU_PROFILE;
  const heapMiB = process.env.BENCH_SERVER_HEAP_MIB;
  const profile = [
    ...(profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : []),
    ...(heapMiB ? [`--max-old-space-size=${heapMiB}`] : []),
  ];
  // BENCH_SERVER_LOG=file: the server's log at level info goes there, to see where its time goes.
  const logFile = process.env.BENCH_SERVER_LOG;
  return spawn(
    process.execPath,
    [
      ...profile,
      CLI,
      "server",
      `--kubeconfig=${kubeconfig}`,
      `--namespace=${VELERO_NS}`,
      `--log-level=${logFile ? "info" : "warning"}`,
      ...args,
    ],
    {
      stdio: ["ignore", logFile ? openSync(logFile, "w") : "ignore", "inherit"],
    },
  );
}

/** Polls `check` every 200ms until it answers something; fails after `limitMs` (30 minutes). */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  limitMs = 1_800_000,
): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const answer = await check();
    if (answer !== undefined) return answer;
    if (Date.now() > deadline) throw new Error(`still waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A node agent of one bench cluster's node, as a child process (local-cluster's are not started without install). */
export function startAgent(
  kubeconfig: string,
  layout: ClusterLayout,
  node: string,
  args: string[] = [],
): ChildProcess {
  return spawn(
    process.execPath,
    [
      CLI,
      "node-agent",
      `--node-name=${node}`,
      `--kubeconfig=${kubeconfig}`,
      `--namespace=${VELERO_NS}`,
      `--host-pods-dir=${layout.kubeletPodsDir}`,
      "--log-level=warning",
      ...args,
    ],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
}

/**
 * Writes the page cache's dirty pages out (sync): each timed run starts with none, so no run is
 * slowed by writing back what the run before it wrote.
 */
export async function flushWrites(): Promise<void> {
  await new Promise<void>((resolve, reject) =>
    spawn("sync", { stdio: "ignore" })
      .on("error", reject)
      .on("exit", () => resolve()),
  );
}

/** The peak resident memory of a process so far (VmHWM), in MiB. */
export async function peakRssMiB(pid: number): Promise<number> {
  const status = await fs.readFile(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

export async function stopServer(server: ChildProcess): Promise<void> {
  // A server killed by a signal (an out-of-memory abort, say) has a signalCode and no exitCode.
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((r) => server.once("exit", r));
  server.kill("SIGTERM");
  await exited;
}

export function rate(count: number, ms: number): number {
  return count / (ms / 1000);
}

/**
 * Runs a benchmark's body against a fresh cluster of its own, stopping the cluster however the body
 * ends; a failure is printed and exits non-zero.
 */
export function runBench(
  name: string,
  body: (cluster: { dir: string; kubeconfig: string; client: KubeClient }) => Promise<void>,
): void {
  const run = async () => {
    const cluster = await benchCluster(name);
    try {
      await body(cluster);
    } finally {
      cluster.client.close();
      await stopBenchCluster(cluster.dir);
    }
  };
  run().catch((err: unknown) => {
    console.error(`bench:${name} failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}

/** The server's peak memory at N and 2N items, and their ratio: the aim is flat. */
export function printPeakMemory(
  n: { peak: number; items: number },
  twoN: { peak: number; items: number },
): void {
  console.log(
    `server peak memory: ${n.peak.toFixed(0)} MiB at ${n.items} items, ${twoN.peak.toFixed(0)} MiB at ${twoN.items} items`,
  );
  console.log(`ratio peak memory 2N/N: ${(twoN.peak / n.peak).toFixed(2)} (aim: about 1, flat)`);
}
