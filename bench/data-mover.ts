// bench:data-mover — MB/s of a backup with --snapshot-move-data of BENCH_CLAIMS claims of
// BENCH_MIB MiB each (random data), and of its restore on a second cluster that shares only the
// storage location, against the same kopia binary run directly on the same data in the same run:
// a snapshot of each volume into a fresh filesystem repository and a restore of each into a fresh
// directory, as many at once as velero-ts's node agents move (one per node). Both sides start from
// a repository already made and connected and from clean page caches (sync); kopia alone runs
// before and after velero-ts, and its two turns are summed against velero-ts's one, twice over.
// Prints the ratios; never asserts a time.
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ChildProcess } from "node:child_process";
import type { V1PersistentVolume, V1PersistentVolumeClaim } from "@kubernetes/client-node";
import type { Backup, Restore } from "../src/api/v1/index.js";
import type { DataDownload, DataUpload } from "../src/api/v2alpha1/data-movement.js";
import { FINISHED_BACKUP_PHASES, FINISHED_RESTORE_PHASES, VELERO_API_VERSION } from "../src/api/v1/index.js";
import { forEachConcurrently } from "../src/concurrency/pool.js";
import { makeInformer } from "@kubernetes/client-node";
import type { KubeClient } from "../src/kube/client.js";
import { VeleroClient, veleroPath } from "../src/kube/velero-client.js";
import { cpuBetween, readCpu } from "./cpu-meter.js";
import { BlockStorage } from "../src/local-cluster/block-storage.js";
import { ClusterLayout } from "../src/local-cluster/layout.js";
import { sleep } from "../src/local-cluster/processes.js";
import { IMMEDIATE_STORAGE_CLASS, SNAPSHOT_CLASS } from "../src/local-cluster/simulator/names.js";
import { SNAPSHOT_GROUP, type VolumeSnapshot } from "../src/api/csi-snapshots.js";
import { BACKUP_NAME_LABEL, RESTORE_NAME_LABEL } from "../src/api/labels.js";
import { SNAPSHOT_API } from "../src/volumes/csi-paths.js";
import { ensureKopia } from "../src/volumes/kopia/kopia-build.js";
import { DEFAULT_REPOSITORY_PASSWORD, KopiaCli } from "../src/volumes/kopia/kopia-cli.js";
import {
  benchCluster,
  flushWrites,
  startAgent,
  waitFor,
  startServer,
  stopBenchCluster,
  stopServer,
  VELERO_NS,
} from "./support.js";

const CLAIMS = Number(process.env.BENCH_CLAIMS ?? 10);
const MIB = Number(process.env.BENCH_MIB ?? 100);
for (const [name, n] of [
  ["BENCH_CLAIMS", CLAIMS],
  ["BENCH_MIB", MIB],
] as const)
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number above 0, not ${n}`);
const NS = "dm-bench";
const NODES = ["local-node-1", "local-node-2"];
/** Moves at once: velero-ts's node agents move one volume each (their --concurrency default), one agent per node. */
const AT_ONCE = NODES.length;

const claimName = (i: number) => `data-${String(i).padStart(2, "0")}`;
const claimsPath = `/api/v1/namespaces/${NS}/persistentvolumeclaims`;

/** The claims, bound, their disks still empty; returns the disk directories. */
async function createClaims(client: KubeClient, storage: BlockStorage): Promise<string[]> {
  await client.request("POST", "/api/v1/namespaces", { body: { metadata: { name: NS } } });
  const names = Array.from({ length: CLAIMS }, (_, i) => claimName(i));
  for (const name of names)
    await client.request("POST", claimsPath, {
      body: {
        metadata: { name },
        spec: {
          storageClassName: IMMEDIATE_STORAGE_CLASS,
          accessModes: ["ReadWriteOnce"],
          resources: { requests: { storage: "1Gi" } },
        },
      } satisfies V1PersistentVolumeClaim,
    });
  const claims = await waitFor("the claims to bind", async () => {
    const { items } = await client.get<{ items: V1PersistentVolumeClaim[] }>(claimsPath);
    return items.length === CLAIMS && items.every((c) => c.status?.phase === "Bound") ? items : undefined;
  });
  const disks: string[] = [];
  for (const claim of claims) {
    const pv = await client.get<V1PersistentVolume>(`/api/v1/persistentvolumes/${claim.spec!.volumeName!}`);
    disks.push(storage.volumeDataPath(pv.spec!.csi!.volumeHandle));
  }
  return disks;
}

/** MIB MiB of random data (it does not compress or deduplicate) into each disk. */
async function fillDisks(disks: string[]): Promise<void> {
  for (const disk of disks) {
    const file = await fs.open(path.join(disk, "data.bin"), "w");
    for (let left = MIB; left > 0; left -= 4) await file.write(randomBytes(Math.min(left, 4) * 2 ** 20));
    await file.close();
  }
}

interface Times {
  backupMs: number;
  restoreMs: number;
  /** What the cores did meanwhile (cpuBetween). */
  backupCpu: string;
  restoreCpu: string;
}

/** kopia alone: each disk into a fresh filesystem repository, AT_ONCE at a time, then each back into a fresh directory. */
async function kopiaAlone(disks: string[], work: string): Promise<Times> {
  const kopia = new KopiaCli(await ensureKopia(), path.join(work, "conn"), DEFAULT_REPOSITORY_PASSWORD);
  await kopia.createRepository({
    flags: ["filesystem", `--path=${path.join(work, "repo")}`],
    env: {},
    identifier: "",
    objectKey: (b) => b,
  });
  const ids: string[] = [];
  await flushWrites();
  let cpu = await readCpu();
  let t = Date.now();
  await forEachConcurrently(
    disks.map((d, i) => [d, i] as const),
    AT_ONCE,
    async ([disk, i]) => {
      ids[i] = (await kopia.snapshot(disk, `default@default:bench/${NS}/${claimName(i)}`)).id;
    },
  );
  const backupMs = Date.now() - t;
  const backupCpu = cpuBetween(cpu, await readCpu());
  await flushWrites();
  cpu = await readCpu();
  t = Date.now();
  await forEachConcurrently(
    ids.map((id, i) => [id, i] as const),
    AT_ONCE,
    ([id, i]) => kopia.restore(id, path.join(work, "restored", String(i))),
  );
  const restoreMs = Date.now() - t;
  const restoreCpu = cpuBetween(cpu, await readCpu());
  // What a turn wrote stays on disk no longer than the turn: kept, it slows whatever writes next
  // on these machines (see bench/fs-backup.ts).
  await fs.rm(work, { recursive: true, force: true });
  return { backupMs, restoreMs, backupCpu, restoreCpu };
}

/**
 * The simulated CSI driver alone doing the storage work of exposing the claims' snapshots: a
 * VolumeSnapshot of every claim at once until all are ready, then a claim from each at once until
 * all are bound (it copies each disk twice, as this machine's simulated storage has no
 * copy-on-write). Not timed: deleting them again.
 */
async function driverAlone(client: KubeClient): Promise<{ ms: number; cpu: string }> {
  const names = Array.from({ length: CLAIMS }, (_, i) => claimName(i));
  const snapshots = `/apis/${SNAPSHOT_API}/namespaces/${NS}/volumesnapshots`;
  await flushWrites();
  const cpu = await readCpu();
  const t = Date.now();
  await Promise.all(
    names.map((claim) =>
      client.request("POST", snapshots, {
        body: {
          apiVersion: SNAPSHOT_API,
          kind: "VolumeSnapshot",
          metadata: { name: `driver-${claim}` },
          spec: { volumeSnapshotClassName: SNAPSHOT_CLASS, source: { persistentVolumeClaimName: claim } },
        } satisfies VolumeSnapshot,
      }),
    ),
  );
  await waitFor("the driver's snapshots to be ready", async () =>
    (await client.get<{ items: VolumeSnapshot[] }>(snapshots)).items.filter((v) => v.status?.readyToUse)
      .length === CLAIMS
      ? true
      : undefined,
  );
  await Promise.all(
    names.map((claim) =>
      client.request("POST", claimsPath, {
        body: {
          metadata: { name: `driver-${claim}` },
          spec: {
            storageClassName: IMMEDIATE_STORAGE_CLASS,
            accessModes: ["ReadWriteOnce"],
            resources: { requests: { storage: "1Gi" } },
            dataSource: { apiGroup: SNAPSHOT_GROUP, kind: "VolumeSnapshot", name: `driver-${claim}` },
          },
        } satisfies V1PersistentVolumeClaim,
      }),
    ),
  );
  const bound = async () =>
    (await client.get<{ items: V1PersistentVolumeClaim[] }>(claimsPath)).items.filter(
      (c) => c.metadata?.name?.startsWith("driver-") && c.status?.phase === "Bound",
    ).length;
  await waitFor("the driver's claims to be bound", async () =>
    (await bound()) === CLAIMS ? true : undefined,
  );
  const ms = Date.now() - t;
  const used = cpuBetween(cpu, await readCpu());
  for (const claim of names) {
    await client.request("DELETE", `${claimsPath}/driver-${claim}`);
    await client.request("DELETE", `${snapshots}/driver-${claim}`);
  }
  await waitFor("the driver's claims and snapshots to be deleted", async () => {
    const left =
      (await client.get<{ items: VolumeSnapshot[] }>(snapshots)).items.length +
      (await client.get<{ items: V1PersistentVolumeClaim[] }>(claimsPath)).items.filter((c) =>
        c.metadata?.name?.startsWith("driver-"),
      ).length;
    return left === 0 ? true : undefined;
  });
  return { ms, cpu: used };
}

/** Creates a Backup or Restore and waits until it is Completed; its time. */
async function timed<T extends Backup | Restore>(
  velero: VeleroClient,
  plural: "backups" | "restores",
  object: T,
  finished: readonly string[],
  done: () => Promise<boolean> = () => Promise.resolve(true),
): Promise<{ ms: number; t0: number; cpu: string }> {
  await flushWrites();
  const cpu = await readCpu();
  const t = Date.now();
  await velero.create(plural, object);
  const phase = await waitFor(`${plural} ${object.metadata.name}`, async () => {
    const p = (await velero.get<T>(plural, object.metadata.name!))?.status?.phase;
    return p && finished.includes(p) && (p !== "Completed" || (await done())) ? p : undefined;
  });
  if (phase !== "Completed") throw new Error(`${plural} ${object.metadata.name} ended ${phase}`);
  const ms = Date.now() - t;
  return { ms, t0: t, cpu: cpuBetween(cpu, await readCpu()) };
}

const backupOf = (name: string): Backup => ({
  apiVersion: VELERO_API_VERSION,
  kind: "Backup",
  metadata: { name, namespace: VELERO_NS },
  spec: { includedNamespaces: [NS], snapshotMoveData: true },
});

/** A server and a node agent per node of one bench cluster. */
function startVelero(kubeconfig: string, dir: string): ChildProcess[] {
  const layout = new ClusterLayout(dir);
  return [
    // A short sync period: the second cluster finds the first's backup soon.
    startServer(kubeconfig, ["--download-server-address=127.0.0.1:0", "--backup-sync-period=2s"]),
    ...NODES.map((node) => startAgent(kubeconfig, layout, node)),
  ];
}

/**
 * Where a run's time went, from its DataUploads' or DataDownloads' timestamps (whole seconds, as
 * the objects keep them): exposing (accepted until the transfer started) and moving, each summed
 * over the volumes; the transfers run AT_ONCE at a time, the exposures alongside.
 */
async function breakdown(
  velero: VeleroClient,
  plural: "datauploads" | "datadownloads",
  selector: string,
): Promise<string> {
  const items = await velero.list<DataUpload | DataDownload>(plural, selector);
  const seconds = (from?: string | null, to?: string | null) =>
    (Date.parse(to ?? "") - Date.parse(from ?? "")) / 1000;
  const sum = (f: (i: DataUpload | DataDownload) => number) => items.reduce((n, i) => n + f(i), 0).toFixed(0);
  const exposing = sum((i) => seconds(i.status?.acceptedTimestamp, i.status?.startTimestamp));
  const moving = sum((i) => seconds(i.status?.startTimestamp, i.status?.completionTimestamp));
  return `${items.length} ${plural}: exposing ${exposing}s and moving ${moving}s in all (${AT_ONCE} move at once)`;
}

/**
 * Watches the DataUploads or DataDownloads of a run, from before it starts: when each was first
 * seen in each phase, to the millisecond (their own timestamps are whole seconds). `report` gives
 * the earliest and latest moment of each phase, from `t0`, to show where the run's time went.
 */
async function phaseTimeline(
  client: KubeClient,
  plural: "datauploads" | "datadownloads",
  labelSelector: string,
) {
  const path = veleroPath(VELERO_NS, plural);
  const cache = makeInformer<DataUpload | DataDownload>(
    client.kubeConfig,
    path,
    () => client.get(path, { labelSelector }),
    labelSelector,
  );
  const seen = new Map<string, Map<string, number>>();
  const nodes = new Map<string, string>();
  const note = (m: DataUpload | DataDownload) => {
    if (m.status?.node) nodes.set(m.metadata.name!, m.status.node);
    const phases = seen.get(m.metadata.name!) ?? new Map<string, number>();
    seen.set(m.metadata.name!, phases);
    const phase = m.status?.phase ?? "New";
    if (!phases.has(phase)) phases.set(phase, Date.now());
    // What it waits for while exposing, to the verbose report only: what the exposure waited for.
    const waiting = m.status?.message?.match(/^waiting for (\S+)/)?.[1];
    if (waiting && !phases.has(`waiting for ${waiting}`)) phases.set(`waiting for ${waiting}`, Date.now());
  };
  cache.on("add", note);
  cache.on("update", note);
  await cache.start();
  return {
    report(t0: number): string {
      void cache.stop();
      const order = ["New", "Accepted", "Prepared", "InProgress", "Completed", "Failed", "Canceled"];
      const perNode = new Map<string, number>();
      for (const node of nodes.values()) perNode.set(node, (perNode.get(node) ?? 0) + 1);
      const byNode = [...perNode].map(([node, n]) => `${n} on ${node}`).join(", ");
      if (process.env.BENCH_VERBOSE)
        for (const [name, phases] of seen)
          console.log(
            `    ${name} on ${nodes.get(name)}: ${[...phases].map(([p, at]) => `${p} ${((at - t0) / 1000).toFixed(2)}`).join(", ")}`,
          );
      return order
        .map((phase) => {
          const at = [...seen.values()].flatMap((p) => (p.has(phase) ? [p.get(phase)! - t0] : []));
          if (!at.length) return undefined;
          const s = (ms: number) => (ms / 1000).toFixed(2);
          return `${phase} ${s(Math.min(...at))}–${s(Math.max(...at))}s`;
        })
        .filter(Boolean)
        .concat(byNode ? [`moved ${byNode}`] : [])
        .join(", ");
    },
  };
}

const mbps = (bytes: number, ms: number) => (bytes / 2 ** 20 / (ms / 1000)).toFixed(0);

async function main(): Promise<void> {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), "velero-ts-bench-dm-"));
  const first = await benchCluster("data-mover");
  const storageDir = path.join(first.dir, "storage");
  let processes = startVelero(first.kubeconfig, first.dir);
  let second: Awaited<ReturnType<typeof benchCluster>> | undefined;
  try {
    const disks = await createClaims(
      first.client,
      new BlockStorage(new ClusterLayout(first.dir).blockStorageDir),
    );
    const bytes = CLAIMS * MIB * 2 ** 20;
    const velero = new VeleroClient(first.client, VELERO_NS);
    await sleep(3000); // the server checks the location, the agents start
    // The repository of the namespace is made by a backup of the empty claims, as kopia alone's is
    // made before it is timed; everything the timed backup uploads is new to it.
    await timed(velero, "backups", backupOf("dm-warm-up"), FINISHED_BACKUP_PHASES);
    await fillDisks(disks);
    console.log(`${CLAIMS} claims of ${MIB} MiB each (${(bytes / 2 ** 20).toFixed(0)} MiB)`);

    const before = await kopiaAlone(disks, path.join(work, "before"));
    const driver = await driverAlone(first.client);
    const driverMs = driver.ms;
    const uploadTimes = await phaseTimeline(first.client, "datauploads", `${BACKUP_NAME_LABEL}=dm-bench`);
    const backupRun = await timed(velero, "backups", backupOf("dm-bench"), FINISHED_BACKUP_PHASES);
    const backupMs = backupRun.ms;
    const uploadPhases = uploadTimes.report(backupRun.t0);
    const after = await kopiaAlone(disks, path.join(work, "after"));
    const uploads = await breakdown(velero, "datauploads", `${BACKUP_NAME_LABEL}=dm-bench`);

    // The first cluster goes; a second one with the same location restores.
    await Promise.all(processes.map((p) => stopServer(p)));
    processes = [];
    first.client.close();
    await stopBenchCluster(first.dir);
    second = await benchCluster("data-mover-2", storageDir);
    processes = startVelero(second.kubeconfig, second.dir);
    const velero2 = new VeleroClient(second.client, VELERO_NS);
    await waitFor("the backup to be synced into the second cluster", async () =>
      (await velero2.get<Backup>("backups", "dm-bench"))?.status?.phase === "Completed" ? true : undefined,
    );
    const client2 = second.client;
    const allBound = async () =>
      (await client2.get<{ items: V1PersistentVolumeClaim[] }>(claimsPath)).items.filter(
        (c) => c.status?.phase === "Bound",
      ).length === CLAIMS;
    const downloadTimes = await phaseTimeline(client2, "datadownloads", `${RESTORE_NAME_LABEL}=dm-bench`);
    const restoreRun = await timed(
      velero2,
      "restores",
      {
        apiVersion: VELERO_API_VERSION,
        kind: "Restore",
        metadata: { name: "dm-bench", namespace: VELERO_NS },
        spec: { backupName: "dm-bench" },
      },
      FINISHED_RESTORE_PHASES,
      allBound,
    );
    const restoreMs = restoreRun.ms;
    const downloadPhases = downloadTimes.report(restoreRun.t0);

    const downloads = await breakdown(velero2, "datadownloads", `${RESTORE_NAME_LABEL}=dm-bench`);
    const alone = {
      backupMs: before.backupMs + after.backupMs,
      restoreMs: before.restoreMs + after.restoreMs,
    };
    console.log(
      `kopia alone:  backup ${mbps(bytes, before.backupMs)} and ${mbps(bytes, after.backupMs)} MB/s, restore ${mbps(bytes, before.restoreMs)} and ${mbps(bytes, after.restoreMs)} MB/s (before and after velero-ts)`,
    );
    console.log(
      `velero-ts:    backup ${mbps(bytes, backupMs)} MB/s (Backup until Completed), restore on the second cluster ${mbps(bytes, restoreMs)} MB/s (Restore until Completed, every claim Bound)`,
    );
    console.log(`  backup: ${uploads}\n    first seen, from the Backup's creation: ${uploadPhases}`);
    console.log(`  restore: ${downloads}\n    first seen, from the Restore's creation: ${downloadPhases}`);
    const kopiaBackupMs = alone.backupMs / 2;
    console.log(
      `the simulated driver alone snapshots the ${CLAIMS} claims and provisions a claim from each in ${(driverMs / 1000).toFixed(1)}s: ` +
        `with kopia alone's backup after it, ${mbps(bytes, kopiaBackupMs + driverMs)} MB/s; ratio backup/(driver + kopia alone): ${((kopiaBackupMs + driverMs) / backupMs).toFixed(2)}`,
    );
    for (const [what, cpu] of [
      ["kopia alone's backup (before)", before.backupCpu],
      ["the driver alone", driver.cpu],
      ["velero-ts's backup", backupRun.cpu],
      ["kopia alone's restore (before)", before.restoreCpu],
      ["velero-ts's restore", restoreRun.cpu],
    ])
      if (cpu) console.log(`${what}: ${cpu}`);
    console.log(
      `ratio backup/kopia alone: ${(alone.backupMs / 2 / backupMs).toFixed(2)}; ratio restore/kopia alone: ${(alone.restoreMs / 2 / restoreMs).toFixed(2)} (kopia alone's mean of two turns; aim: at least 0.8)`,
    );
  } finally {
    await Promise.all(processes.map((p) => stopServer(p)));
    first.client.close();
    second?.client.close();
    if (second) await stopBenchCluster(second.dir);
    await stopBenchCluster(first.dir).catch(() => undefined);
    for (const dir of [first.dir, second?.dir, work])
      if (dir) await fs.rm(dir, { recursive: true, force: true });
  }
}

await main();
