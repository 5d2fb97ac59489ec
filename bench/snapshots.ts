// bench:snapshots — volumes per second of a backup that takes a CSI snapshot of each of N claims, and of
// a restore that provisions N claims from those snapshots, against the simulated CSI driver doing the
// same work directly (the ceiling) in the same run: N VolumeSnapshots of the claims at once until all are
// ready (the backup's ceiling), the requests any such backup must make besides, made directly (the
// backup's floor, see snapshotFloor), and N pre-provisioned VolumeSnapshotContents, VolumeSnapshots and claims
// from them at once until every claim is Bound (the restore's ceiling). Each volume holds a small file
// before the backup, which every restored volume must hold. Each timed run starts a second after
// the last one's clean-up has ended. Prints ratios and what the machine's cores did in each timed
// run (see printCpuBudget), never asserts a time.
import { promises as fs } from "node:fs";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import type { ChildProcess } from "node:child_process";
import type { V1PersistentVolume, V1PersistentVolumeClaim } from "@kubernetes/client-node";
import { SNAPSHOT_GROUP, type VolumeSnapshot, type VolumeSnapshotContent } from "../src/api/csi-snapshots.js";
import { BACKUP_NAME_LABEL } from "../src/api/labels.js";
import type { Backup, Restore } from "../src/api/v1/index.js";
import { FINISHED_BACKUP_PHASES, FINISHED_RESTORE_PHASES, VELERO_API_VERSION } from "../src/api/v1/index.js";
import type { BackupVolumeInfo } from "../src/backup/volume-info.js";
import { makeInformer } from "@kubernetes/client-node";
import { forEachConcurrently } from "../src/concurrency/pool.js";
import type { KubeClient } from "../src/kube/client.js";
import { type ApiResource, collectionPath, discover } from "../src/kube/discovery.js";
import { isNotFound } from "../src/kube/errors.js";
import { VeleroClient } from "../src/kube/velero-client.js";
import { BlockStorage } from "../src/local-cluster/block-storage.js";
import { ClusterLayout } from "../src/local-cluster/layout.js";
import { sleep } from "../src/local-cluster/processes.js";
import { CSI_DRIVER, IMMEDIATE_STORAGE_CLASS, SNAPSHOT_CLASS } from "../src/local-cluster/simulator/names.js";
import { backupVolumeInfoKey, restoreResultsKey } from "../src/storage/keys.js";
import { SNAPSHOT_API, snapshotContentsPath, snapshotsPath } from "../src/volumes/csi-paths.js";
import { type CpuUse, cpuUse, formatCpu, readCpu } from "./cpu-meter.js";
import {
  benchCluster,
  rate,
  repoRoot,
  startServer,
  stopBenchCluster,
  stopServer,
  VELERO_NS,
} from "./support.js";

const VOLUMES = Number(process.env.BENCH_VOLUMES ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
for (const [name, n] of [
  ["BENCH_VOLUMES", VOLUMES],
  ["BENCH_ROUNDS", ROUNDS],
] as const)
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number above 0, not ${n}`);
/** The namespace of the claims that are backed up. */
const SOURCE = "snap-bench";
/** The file each source volume holds, a few KiB, which each restored volume must hold too. */
const FILE = "bench.txt";
const POLL_MS = 50;
const WAIT_LIMIT_MS = 300_000;
const BENCH_LABEL = "bench.velero-ts.io/run";

/**
 * Before each timed run: a moment for the cluster to finish what the last one left it (the
 * driver deleting copies, the controllers' queues), which would otherwise slow the next one.
 */
const SETTLE_MS = 1000;
const settle = () => sleep(SETTLE_MS);

const claimName = (i: number) => `data-${String(i).padStart(3, "0")}`;
const claimsPath = (ns: string) => `/api/v1/namespaces/${encodeURIComponent(ns)}/persistentvolumeclaims`;
/** What the file of a claim holds: its own name first, so a volume restored from the wrong snapshot shows. */
const fileContent = (claim: string) => `${claim}\n${"snapshot bench data\n".repeat(200)}`;

interface List<T> {
  items: T[];
}

/** Polls `check` until it answers something; fails after WAIT_LIMIT_MS, or once the server is gone. */
async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  server?: ChildProcess,
): Promise<T> {
  const deadline = Date.now() + WAIT_LIMIT_MS;
  for (;;) {
    if (server && (server.exitCode !== null || server.signalCode !== null))
      throw new Error(
        `the server exited (${server.exitCode ?? server.signalCode}) while waiting for ${what}`,
      );
    const answer = await check();
    if (answer !== undefined) return answer;
    if (Date.now() > deadline) throw new Error(`still waiting for ${what} after ${WAIT_LIMIT_MS / 1000}s`);
    await sleep(POLL_MS);
  }
}

function claimBody(name: string, snapshot?: string): V1PersistentVolumeClaim {
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name },
    spec: {
      storageClassName: IMMEDIATE_STORAGE_CLASS,
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: "1Gi" } },
      ...(snapshot
        ? { dataSource: { apiGroup: SNAPSHOT_GROUP, kind: "VolumeSnapshot", name: snapshot } }
        : {}),
    },
  };
}

const boundCount = async (client: KubeClient, ns: string) =>
  (await client.get<List<V1PersistentVolumeClaim>>(claimsPath(ns))).items.filter(
    (c) => c.status?.phase === "Bound",
  ).length;

/** How many VolumeSnapshots namespace ns holds, and how many of them are ready; none while it does not exist. */
async function snapshotCounts(client: KubeClient, ns: string): Promise<{ all: number; ready: number }> {
  try {
    const { items } = await client.get<List<VolumeSnapshot>>(snapshotsPath(ns));
    return { all: items.length, ready: items.filter((s) => s.status?.readyToUse).length };
  } catch (err) {
    if (isNotFound(err)) return { all: 0, ready: 0 };
    throw err;
  }
}

const readyCount = async (client: KubeClient, ns: string, labelSelector?: string) =>
  (await client.get<List<VolumeSnapshot>>(snapshotsPath(ns), { labelSelector })).items.filter(
    (s) => s.status?.readyToUse,
  ).length;

/** The disk directory of every claim of a namespace, by claim name. */
async function claimDisks(
  client: KubeClient,
  storage: BlockStorage,
  ns: string,
): Promise<Map<string, string>> {
  const disks = new Map<string, string>();
  for (const claim of (await client.get<List<V1PersistentVolumeClaim>>(claimsPath(ns))).items) {
    const pvName = claim.spec?.volumeName;
    if (!pvName) throw new Error(`claim ${ns}/${claim.metadata?.name} has no volume`);
    const pv = await client.get<V1PersistentVolume>(`/api/v1/persistentvolumes/${pvName}`);
    disks.set(claim.metadata!.name!, storage.volumeDataPath(pv.spec!.csi!.volumeHandle));
  }
  return disks;
}

/** The claims that are backed up, Bound, each holding FILE. */
async function createSource(client: KubeClient, storage: BlockStorage): Promise<string[]> {
  const names = Array.from({ length: VOLUMES }, (_, i) => claimName(i));
  await client.request("POST", "/api/v1/namespaces", { body: { metadata: { name: SOURCE } } });
  await forEachConcurrently(names, 16, (n) =>
    client.request("POST", claimsPath(SOURCE), { body: claimBody(n) }),
  );
  await waitFor(`${VOLUMES} claims in ${SOURCE} to be bound`, async () =>
    (await boundCount(client, SOURCE)) === VOLUMES ? true : undefined,
  );
  for (const [claim, disk] of await claimDisks(client, storage, SOURCE))
    await fs.writeFile(path.join(disk, FILE), fileContent(claim));
  return names;
}

/** A VolumeSnapshot of every claim at once, each named `<run>-<claim>` and labelled with its run. */
async function snapshotClaims(client: KubeClient, claims: string[], run: string): Promise<void> {
  await Promise.all(
    claims.map((claim) =>
      client.request("POST", snapshotsPath(SOURCE), {
        body: {
          apiVersion: SNAPSHOT_API,
          kind: "VolumeSnapshot",
          metadata: { name: `${run}-${claim}`, labels: { [BENCH_LABEL]: run } },
          spec: { volumeSnapshotClassName: SNAPSHOT_CLASS, source: { persistentVolumeClaimName: claim } },
        } satisfies VolumeSnapshot,
      }),
    ),
  );
}

/** The backup's ceiling: a VolumeSnapshot of every claim at once, until all are ready to use. */
async function snapshotCeiling(client: KubeClient, claims: string[], round: number): Promise<Timed> {
  const selector = `${BENCH_LABEL}=ceiling-${round}`;
  const cpuFrom = await readCpu();
  const started = Date.now();
  await snapshotClaims(client, claims, `ceiling-${round}`);
  await waitFor("the ceiling's snapshots to be ready", async () =>
    (await readyCount(client, SOURCE, selector)) === claims.length ? true : undefined,
  );
  const ms = Date.now() - started;
  const cpu = cpuUse(cpuFrom, await readCpu());

  // Not timed: they go again (with their contents and the driver's copies, policy Delete), so that
  // the backup of the namespace finds only the claims.
  const { items } = await client.get<List<VolumeSnapshot>>(snapshotsPath(SOURCE), {
    labelSelector: selector,
  });
  await Promise.all(
    items.map((s) => client.request("DELETE", `${snapshotsPath(SOURCE)}/${s.metadata!.name!}`)),
  );
  await waitFor("the ceiling's snapshots and contents to be deleted", async () => {
    const left = (await client.get<List<VolumeSnapshot>>(snapshotsPath(SOURCE), { labelSelector: selector }))
      .items.length;
    const contents = (await client.get<List<VolumeSnapshotContent>>(snapshotContentsPath())).items.filter(
      (c) =>
        c.spec?.volumeSnapshotRef?.namespace === SOURCE &&
        c.spec.volumeSnapshotRef.name?.startsWith(`ceiling-${round}-`),
    ).length;
    return left + contents === 0 ? true : undefined;
  });
  return { ms, cpu };
}

/**
 * The backup's floor: the requests any backup of the namespace that keeps CSI snapshots as Velero
 * does must make, made directly, all at once: a VolumeSnapshot of every claim; each content set to
 * Retain as its snapshot is seen ready (through a watch, as the server sees them); a LIST of every
 * namespaced resource of the namespace meanwhile; and once all are ready, every VolumeSnapshot
 * deleted. Until the last DELETE is answered. No archive is written: what this costs beyond the
 * ceiling is the API server's and the driver's work for those requests, not velero-ts's.
 */
async function snapshotFloor(
  client: KubeClient,
  claims: string[],
  round: number,
  resources: ApiResource[],
): Promise<Timed> {
  const prefix = `floor-${round}-`;
  const selector = `${BENCH_LABEL}=floor-${round}`;
  const path = snapshotsPath(SOURCE);
  const cache = makeInformer<VolumeSnapshot>(
    client.kubeConfig,
    path,
    () => client.get(path, { labelSelector: selector }),
    selector,
  );
  const retained = new Map<string, Promise<unknown>>();
  let allReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (allReady = resolve));
  const onSnapshot = (vs: VolumeSnapshot) => {
    const content = vs.status?.boundVolumeSnapshotContentName;
    const name = vs.metadata!.name!;
    if (!vs.status?.readyToUse || !content || retained.has(name)) return;
    retained.set(
      name,
      client.request("PATCH", `${snapshotContentsPath()}/${content}`, {
        body: { spec: { deletionPolicy: "Retain" } },
        contentType: "application/merge-patch+json",
      }),
    );
    if (retained.size === claims.length) allReady();
  };
  cache.on("add", onSnapshot);
  cache.on("update", onSnapshot);
  await cache.start();
  const cpuFrom = await readCpu();
  const started = Date.now();
  const lists = forEachConcurrently(
    resources.filter((r) => r.namespaced && r.verbs.includes("list")),
    8,
    (r) => client.get(collectionPath(r, SOURCE), { limit: 500 }),
  );
  await snapshotClaims(client, claims, `floor-${round}`);
  await ready;
  await Promise.all([...retained.values(), lists]);
  await Promise.all(claims.map((claim) => client.request("DELETE", `${path}/${prefix}${claim}`)));
  const ms = Date.now() - started;
  const cpu = cpuUse(cpuFrom, await readCpu());
  await cache.stop();

  // Not timed: the retained contents go, with the driver's copies (policy Delete again).
  const contents = (await client.get<List<VolumeSnapshotContent>>(snapshotContentsPath())).items.filter((c) =>
    c.spec?.volumeSnapshotRef?.name?.startsWith(prefix),
  );
  await Promise.all(
    contents.map(async (c) => {
      const contentPath = `${snapshotContentsPath()}/${c.metadata!.name!}`;
      await client.request("PATCH", contentPath, {
        body: { spec: { deletionPolicy: "Delete" } },
        contentType: "application/merge-patch+json",
      });
      await client.request("DELETE", contentPath);
    }),
  );
  await waitFor("the floor's contents to be deleted", async () =>
    (await client.get<List<VolumeSnapshotContent>>(snapshotContentsPath())).items.some((c) =>
      c.spec?.volumeSnapshotRef?.name?.startsWith(prefix),
    )
      ? undefined
      : true,
  );
  return { ms, cpu };
}

/** A timed run: how long it took, and what the machine's cores did meanwhile (none off Linux). */
interface Timed {
  ms: number;
  cpu: CpuUse | undefined;
}

interface BackupTiming extends Timed {
  /** When the first of the backup's VolumeSnapshots was seen. */
  firstSnapshotMs: number;
  /** When the last of them was seen ready to use. */
  snapshotsReadyMs: number;
  /** When the backup had deleted the first of them, and all of them (releasing them). */
  releaseStartMs: number;
  releaseEndMs: number;
  /** The most of them seen not yet ready at one time. */
  mostInFlight: number;
}

/** A Backup of the source namespace, until it is Completed; watches its VolumeSnapshots meanwhile. */
async function timedBackup(
  client: KubeClient,
  velero: VeleroClient,
  server: ChildProcess,
  name: string,
): Promise<BackupTiming> {
  const ready = new Set<string>();
  const seen = new Set<string>();
  const t = { firstSnapshotMs: NaN, snapshotsReadyMs: NaN, releaseStartMs: NaN, releaseEndMs: NaN };
  let mostInFlight = 0;
  const cpuFrom = await readCpu();
  const started = Date.now();
  const once = (key: keyof typeof t) => {
    if (Number.isNaN(t[key])) t[key] = Date.now() - started;
  };
  await velero.create<Backup>("backups", {
    apiVersion: VELERO_API_VERSION,
    kind: "Backup",
    metadata: { name, namespace: VELERO_NS },
    spec: { includedNamespaces: [SOURCE] },
  });
  const backup = await waitFor(
    `backup ${name}`,
    async () => {
      const [b, snapshots] = await Promise.all([
        velero.get<Backup>("backups", name),
        client.get<List<VolumeSnapshot>>(snapshotsPath(SOURCE), {
          labelSelector: `${BACKUP_NAME_LABEL}=${name}`,
        }),
      ]);
      // Each snapshot is deleted once the backup holds it, which is only after it was ready:
      // remember each one seen ready, or seen and gone since.
      const items = snapshots.items;
      if (items.length) once("firstSnapshotMs");
      const present = new Set(items.map((s) => s.metadata!.name!));
      for (const name of seen) if (!present.has(name)) ready.add(name);
      for (const s of items) {
        seen.add(s.metadata!.name!);
        if (s.status?.readyToUse) ready.add(s.metadata!.name!);
      }
      mostInFlight = Math.max(mostInFlight, items.filter((s) => !s.status?.readyToUse).length);
      if (ready.size === VOLUMES) once("snapshotsReadyMs");
      if (seen.size > items.length) once("releaseStartMs");
      if (seen.size === VOLUMES && items.length === 0) once("releaseEndMs");
      return b && FINISHED_BACKUP_PHASES.includes(b.status?.phase ?? "New") ? b : undefined;
    },
    server,
  );
  const ms = Date.now() - started;
  const cpu = cpuUse(cpuFrom, await readCpu());
  if (backup.status?.phase !== "Completed")
    throw new Error(`backup ${name} ended ${backup.status?.phase}: ${backup.status?.failureReason ?? ""}`);
  return { ms, cpu, ...t, mostInFlight };
}

/** The snapshot handle the backup took of each claim, from its volume info; checks there is one for every claim. */
async function backedUpHandles(storageDir: string, backup: string): Promise<Map<string, string>> {
  const info = JSON.parse(
    gunzipSync(await fs.readFile(path.join(storageDir, backupVolumeInfoKey(backup)))).toString("utf8"),
  ) as BackupVolumeInfo[];
  const handles = new Map<string, string>();
  for (const v of info) {
    if (v.backupMethod === "CSISnapshot" && v.csiSnapshotInfo?.snapshotHandle && v.pvcName)
      handles.set(v.pvcName, v.csiSnapshotInfo.snapshotHandle);
  }
  if (handles.size !== VOLUMES)
    throw new Error(
      `backup ${backup} took ${handles.size} CSI snapshots, not ${VOLUMES}: ${JSON.stringify(info.find((v) => v.backupMethod !== "CSISnapshot") ?? {})}`,
    );
  return handles;
}

interface RestoreTiming extends Timed {
  /** Until every claim is Bound and (for a Restore) its phase is Completed. */
  firstSnapshotMs: number;
  snapshotsReadyMs: number;
  boundMs: number;
  /** For a Restore: when it was first seen in phase WaitingForPluginOperations (its items all created). */
  waitingMs?: number;
  completedMs?: number;
}

/**
 * Watches namespace ns until every claim is Bound and `finished` says so too; returns when the
 * snapshots were all ready, the claims all bound and `finished` first said yes.
 */
async function watchRestore(
  client: KubeClient,
  ns: string,
  started: number,
  what: string,
  finished: () => Promise<boolean>,
  server?: ChildProcess,
): Promise<{ firstSnapshotMs: number; snapshotsReadyMs: number; boundMs: number; finishedMs: number }> {
  let firstSnapshotMs = NaN;
  let snapshotsReadyMs = NaN;
  let boundMs = NaN;
  let finishedMs = NaN;
  await waitFor(
    what,
    async () => {
      const [ready, bound, done] = await Promise.all([
        Number.isNaN(snapshotsReadyMs) ? snapshotCounts(client, ns) : { all: VOLUMES, ready: VOLUMES },
        Number.isNaN(boundMs) ? boundCount(client, ns) : VOLUMES,
        Number.isNaN(finishedMs) ? finished() : true,
      ]);
      const now = Date.now() - started;
      if (ready.all > 0 && Number.isNaN(firstSnapshotMs)) firstSnapshotMs = now;
      if (ready.ready === VOLUMES && Number.isNaN(snapshotsReadyMs)) snapshotsReadyMs = now;
      if (bound === VOLUMES && Number.isNaN(boundMs)) boundMs = now;
      if (done && Number.isNaN(finishedMs)) finishedMs = now;
      return Number.isNaN(boundMs) || Number.isNaN(finishedMs) ? undefined : true;
    },
    server,
  );
  return { firstSnapshotMs, snapshotsReadyMs, boundMs, finishedMs };
}

/**
 * The restore's ceiling: what the restore makes, made directly, all at once: the namespace, then a
 * pre-provisioned VolumeSnapshotContent of each backed-up snapshot, its VolumeSnapshot and a claim
 * provisioned from it; until every claim is Bound.
 */
async function restoreCeiling(
  client: KubeClient,
  handles: Map<string, string>,
  ns: string,
): Promise<RestoreTiming> {
  const cpuFrom = await readCpu();
  const started = Date.now();
  await client.request("POST", "/api/v1/namespaces", { body: { metadata: { name: ns } } });
  await Promise.all(
    [...handles].flatMap(([claim, handle]) => {
      const name = `${ns}-${claim}`;
      const content: VolumeSnapshotContent = {
        apiVersion: SNAPSHOT_API,
        kind: "VolumeSnapshotContent",
        metadata: { name, labels: { [BENCH_LABEL]: ns } },
        spec: {
          deletionPolicy: "Retain",
          driver: CSI_DRIVER,
          source: { snapshotHandle: handle },
          volumeSnapshotClassName: SNAPSHOT_CLASS,
          volumeSnapshotRef: { apiVersion: SNAPSHOT_API, kind: "VolumeSnapshot", namespace: ns, name },
        },
      };
      const snapshot: VolumeSnapshot = {
        apiVersion: SNAPSHOT_API,
        kind: "VolumeSnapshot",
        metadata: { name },
        spec: { volumeSnapshotClassName: SNAPSHOT_CLASS, source: { volumeSnapshotContentName: name } },
      };
      return [
        client.request("POST", snapshotContentsPath(), { body: content }),
        client.request("POST", snapshotsPath(ns), { body: snapshot }),
        client.request("POST", claimsPath(ns), { body: claimBody(claim, name) }),
      ];
    }),
  );
  const t = await watchRestore(client, ns, started, `the ceiling's claims in ${ns} to be bound`, () =>
    Promise.resolve(true),
  );
  const cpu = cpuUse(cpuFrom, await readCpu());
  return {
    ms: t.boundMs,
    cpu,
    firstSnapshotMs: t.firstSnapshotMs,
    snapshotsReadyMs: t.snapshotsReadyMs,
    boundMs: t.boundMs,
  };
}

/** A Restore of the backup into namespace `ns`, until it is Completed and every claim is Bound. */
async function timedRestore(
  client: KubeClient,
  velero: VeleroClient,
  server: ChildProcess,
  storageDir: string,
  backup: string,
  ns: string,
): Promise<RestoreTiming> {
  const name = `${backup}-restore`;
  let waitingMs: number | undefined;
  const cpuFrom = await readCpu();
  const started = Date.now();
  await velero.create<Restore>("restores", {
    apiVersion: VELERO_API_VERSION,
    kind: "Restore",
    metadata: { name, namespace: VELERO_NS },
    spec: { backupName: backup, namespaceMapping: { [SOURCE]: ns } },
  });
  const finished = async () => {
    const restore = await velero.get<Restore>("restores", name);
    const phase = restore?.status?.phase ?? "New";
    if (phase === "WaitingForPluginOperations") waitingMs ??= Date.now() - started;
    if (!FINISHED_RESTORE_PHASES.includes(phase)) return false;
    if (phase !== "Completed") {
      const results = await fs
        .readFile(path.join(storageDir, restoreResultsKey(name)))
        .catch(() => undefined);
      throw new Error(
        `restore ${name} ended ${phase}: ${restore?.status?.failureReason ?? ""} ${results ? gunzipSync(results).toString("utf8").slice(0, 2000) : ""}`,
      );
    }
    return true;
  };
  const t = await watchRestore(
    client,
    ns,
    started,
    `restore ${name} to complete and its claims to be bound`,
    finished,
    server,
  );
  const cpu = cpuUse(cpuFrom, await readCpu());
  return {
    ms: Math.max(t.boundMs, t.finishedMs),
    cpu,
    firstSnapshotMs: t.firstSnapshotMs,
    snapshotsReadyMs: t.snapshotsReadyMs,
    boundMs: t.boundMs,
    completedMs: t.finishedMs,
    ...(waitingMs !== undefined ? { waitingMs } : {}),
  };
}

/** Every restored volume holds the file its source volume held at backup time. */
async function checkRestoredData(client: KubeClient, storage: BlockStorage, ns: string): Promise<void> {
  const disks = await claimDisks(client, storage, ns);
  if (disks.size !== VOLUMES) throw new Error(`${ns} has ${disks.size} claims, not ${VOLUMES}`);
  for (const [claim, disk] of disks) {
    const held = await fs.readFile(path.join(disk, FILE), "utf8").catch(() => undefined);
    if (held !== fileContent(claim))
      throw new Error(`the restored volume of ${ns}/${claim} does not hold the ${FILE} of backup time`);
  }
}

/** Deletes the namespaces a round made and the ceiling's contents, and waits until their volumes are gone too. */
async function cleanUpRound(client: KubeClient, namespaces: string[]): Promise<void> {
  await Promise.all(
    namespaces.map((ns) =>
      client.request("DELETE", `/api/v1/namespaces/${ns}`).catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      }),
    ),
  );
  // Their deletion policy is Retain: the backup's snapshots stay.
  for (const ns of namespaces)
    await client.request("DELETE", snapshotContentsPath(), {
      query: { labelSelector: `${BENCH_LABEL}=${ns}` },
    });
  await waitFor(`namespaces ${namespaces.join(", ")} and their volumes to be deleted`, async () => {
    const names = new Set(
      (await client.get<List<{ metadata?: { name?: string } }>>("/api/v1/namespaces")).items.map(
        (n) => n.metadata?.name,
      ),
    );
    const volumes = (await client.get<List<V1PersistentVolume>>("/api/v1/persistentvolumes")).items.filter(
      (pv) => namespaces.includes(pv.spec?.claimRef?.namespace ?? ""),
    );
    return namespaces.some((ns) => names.has(ns)) || volumes.length > 0 ? undefined : true;
  });
}

interface Round {
  snapshotCeiling: Timed;
  snapshotFloor: Timed;
  backup: BackupTiming;
  restoreCeiling: RestoreTiming;
  restore: RestoreTiming;
}

/** How much of the ceiling's rate a run reached. */
const ratio = (ms: number, ceilingMs: number) => (rate(VOLUMES, ms) / rate(VOLUMES, ceilingMs)).toFixed(2);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const seconds = (ms: number | undefined) =>
  ms === undefined || Number.isNaN(ms) ? "?" : (ms / 1000).toFixed(2);

async function bench(dir: string, kubeconfig: string, client: KubeClient): Promise<void> {
  const layout = new ClusterLayout(dir);
  const storage = new BlockStorage(layout.blockStorageDir);
  console.log(`creating ${VOLUMES} bound claims in ${SOURCE}, each holding ${FILE}...`);
  const claims = await createSource(client, storage);

  const velero = new VeleroClient(client, VELERO_NS);
  const rounds: Round[] = [];
  // Port 0: another velero-ts server (a dev cluster's) may hold the default download server port.
  const started = startServer(kubeconfig, ["--download-server-address=127.0.0.1:0"]);
  server = started;
  try {
    await sleep(3000); // let the server start and check the location
    const { resources } = await discover(client);
    for (let r = 0; r < ROUNDS; r++) {
      await settle();
      const ceiling = await snapshotCeiling(client, claims, r);
      await settle();
      const floor = await snapshotFloor(client, claims, r, resources);
      await settle();
      const backupName = `snapshots-${r}`;
      const backup = await timedBackup(client, velero, started, backupName);
      const handles = await backedUpHandles(layout.storageDir, backupName);
      const ceilingNs = `ceiling-${r}`;
      const restoredNs = `restored-${r}`;
      await settle();
      const restoreCeilingT = await restoreCeiling(client, handles, ceilingNs);
      await settle();
      const restore = await timedRestore(client, velero, started, layout.storageDir, backupName, restoredNs);
      await checkRestoredData(client, storage, restoredNs);
      rounds.push({
        snapshotCeiling: ceiling,
        snapshotFloor: floor,
        backup,
        restoreCeiling: restoreCeilingT,
        restore,
      });
      const at = (what: string, ms: number | undefined) => `${what} ${seconds(ms)}s`;
      console.log(
        `round ${r + 1}:\n` +
          `  snapshot ceiling ${seconds(ceiling.ms)}s; ${formatCpu(ceiling.cpu)}\n` +
          `  floor ${seconds(floor.ms)}s (ratio ${ratio(floor.ms, ceiling.ms)}); ${formatCpu(floor.cpu)}\n` +
          `  backup ${seconds(backup.ms)}s (ratio ${ratio(backup.ms, ceiling.ms)}): ${[
            at("first snapshot", backup.firstSnapshotMs),
            at("all ready", backup.snapshotsReadyMs),
            at("deleting them from", backup.releaseStartMs),
            at("to", backup.releaseEndMs),
          ].join(
            ", ",
          )}; at most ${backup.mostInFlight} snapshots not ready at once; ${formatCpu(backup.cpu)}\n` +
          `  restore ceiling ${seconds(restoreCeilingT.ms)}s: ${at("snapshots ready", restoreCeilingT.snapshotsReadyMs)}; ${formatCpu(restoreCeilingT.cpu)}\n` +
          `  restore ${seconds(restore.ms)}s (ratio ${ratio(restore.ms, restoreCeilingT.ms)}): ${[
            at("first snapshot", restore.firstSnapshotMs),
            at("WaitingForPluginOperations", restore.waitingMs),
            at("snapshots ready", restore.snapshotsReadyMs),
            at("claims bound", restore.boundMs),
            at("Completed", restore.completedMs),
          ].join(", ")}; all ${VOLUMES} restored volumes hold their ${FILE}; ${formatCpu(restore.cpu)}`,
      );
      await cleanUpRound(client, [ceilingNs, restoredNs]);
    }
  } finally {
    await stopServer(started);
    server = undefined;
  }

  const line = (what: string, ms: number) =>
    console.log(
      `${what.padEnd(62)} ${VOLUMES} volumes in ${seconds(ms)}s = ${rate(VOLUMES, ms).toFixed(1)} volumes/s`,
    );
  const snapshotCeilingMs = median(rounds.map((r) => r.snapshotCeiling.ms));
  const backupMs = median(rounds.map((r) => r.backup.ms));
  const restoreCeilingMs = median(rounds.map((r) => r.restoreCeiling.ms));
  const restoreMs = median(rounds.map((r) => r.restore.ms));
  const restoreBoundMs = median(rounds.map((r) => r.restore.boundMs));
  console.log(`\nmedians of ${ROUNDS} rounds:`);
  line("VolumeSnapshots of the claims, all at once (ceiling):", snapshotCeilingMs);
  const floorMs = median(rounds.map((r) => r.snapshotFloor.ms));
  line("the requests a backup must make, made directly (floor):", floorMs);
  line("backup with CSI snapshots, until Completed:", backupMs);
  const medianRatio = (f: (r: Round) => [number, number]) =>
    median(rounds.map((r) => Number(ratio(...f(r))))).toFixed(2);
  console.log(
    `ratio backup/ceiling: ${ratio(backupMs, snapshotCeilingMs)} (median of the rounds' ratios ${medianRatio((r) => [r.backup.ms, r.snapshotCeiling.ms])}; aim: at least 0.8)`,
  );
  console.log(
    `ratio floor/ceiling: ${ratio(floorMs, snapshotCeilingMs)} (median of the rounds' ratios ${medianRatio((r) => [r.snapshotFloor.ms, r.snapshotCeiling.ms])}); ratio backup/floor: ${ratio(backupMs, floorMs)} (median of the rounds' ratios ${medianRatio((r) => [r.backup.ms, r.snapshotFloor.ms])})`,
  );
  printCpuBudget(rounds, "backup");
  line("contents + VolumeSnapshots + claims, all at once (ceiling):", restoreCeilingMs);
  line("restore, until Completed and every claim Bound:", restoreMs);
  line("restore, until every claim Bound (phase not counted):", restoreBoundMs);
  console.log(
    `ratio restore/ceiling: ${ratio(restoreMs, restoreCeilingMs)} (median of the rounds' ratios ${medianRatio((r) => [r.restore.ms, r.restoreCeiling.ms])}; aim: at least 0.8)`,
  );
  console.log(`ratio restore (claims bound only)/ceiling: ${ratio(restoreBoundMs, restoreCeilingMs)}`);
  printCpuBudget(rounds, "restore");
}

/** A timed run's CPU seconds, and the cores it kept busy on average. */
const busy = (t: Timed) => t.cpu!.busySeconds;
const cores = (t: Timed) => t.cpu!.busySeconds / t.cpu!.wallSeconds;

/**
 * The cores are nearly all busy during the ceiling, so a run takes about its CPU seconds over the
 * cores it keeps busy. At the run's busy cores, 0.8 of the ceiling's rate allows it 1.25 × ceiling
 * × cores of CPU seconds. What the cluster must do for any such run takes its part: for a backup,
 * the floor's requests (any backup that keeps snapshots as Velero does makes them); for a restore,
 * the ceiling's own creates. What is left is what the rest may cost: the server, the Backup's or
 * Restore's own requests, its archive and reads. Printed next to what this run used beyond that,
 * and its server alone. Medians of the rounds.
 */
function printCpuBudget(rounds: Round[], what: "backup" | "restore"): void {
  const runsOf = (r: Round) =>
    what === "backup"
      ? { ceiling: r.snapshotCeiling, floor: r.snapshotFloor, run: r.backup }
      : { ceiling: r.restoreCeiling, floor: r.restoreCeiling, run: r.restore };
  const measured = rounds.map(runsOf).filter((x) => x.ceiling.cpu && x.floor.cpu && x.run.cpu);
  if (!measured.length) return;
  type Runs = (typeof measured)[number];
  const of = (f: (x: Runs) => number) => median(measured.map(f)).toFixed(2);
  const [ceilingName, floorPart, beyond, target] =
    what === "backup"
      ? ["ceiling", `floor ${of((x) => busy(x.floor))}, `, "the floor's", "the ceiling"]
      : ["restore ceiling", "", "the ceiling's", "it"];
  console.log(
    `CPU seconds: ${ceilingName} ${of((x) => busy(x.ceiling))} (${of((x) => cores(x.ceiling))} cores busy), ` +
      `${floorPart}${what} ${of((x) => busy(x.run))} (${of((x) => cores(x.run))} cores busy; velero-ts ${of((x) => x.run.cpu!.seconds.get("velero-ts") ?? 0)})`,
  );
  console.log(
    `CPU seconds a ${what} may use beyond ${beyond} to reach 0.8 of ${target}: ${of(
      (x) => 1.25 * (x.ceiling.ms / 1000) * cores(x.run) - busy(x.floor),
    )}; this ${what} used ${of((x) => busy(x.run) - busy(x.floor))} beyond ${beyond}`,
  );
}

/** The server of the bench, while it runs, for an interrupt to stop. */
let server: ChildProcess | undefined;

/**
 * Like runBench, but the cluster's directory goes too (it holds every volume's disk), and an
 * interrupt still stops the server and the cluster.
 */
function run(): void {
  let dir: string | undefined = path.join(repoRoot, ".bench-snapshots");
  const tearDown = async () => {
    if (server) await stopServer(server);
    if (!dir) return;
    const d = dir;
    dir = undefined;
    await stopBenchCluster(d);
    await fs.rm(d, { recursive: true, force: true });
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      console.error(`bench:snapshots interrupted (${signal}), stopping its server and cluster...`);
      void tearDown().finally(() => process.exit(130));
    });
  }
  const main = async () => {
    let client: KubeClient | undefined;
    try {
      const cluster = await benchCluster("snapshots");
      client = cluster.client;
      await bench(cluster.dir, cluster.kubeconfig, cluster.client);
    } finally {
      client?.close();
      await tearDown();
    }
  };
  main().catch((err: unknown) => {
    console.error(`bench:snapshots failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}

run();
