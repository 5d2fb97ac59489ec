// Helpers of the integration tests about volume data: an application writing into its claim,
// the simulated disks behind claims, and the volume info files in the storage location.
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { BlockStorage } from "../../src/local-cluster/block-storage.js";
import { ClusterLayout, nodeAgentComponent } from "../../src/local-cluster/layout.js";
import { startNodeAgent } from "../../src/local-cluster/cluster.js";
import { runningPid } from "../../src/local-cluster/processes.js";
import { readState } from "../../src/local-cluster/state.js";
import os from "node:os";
import type { TestContext } from "node:test";
import type { BackupStorageLocation, PodVolumeBackup } from "../../src/api/v1/index.js";
import { ensureKopia } from "../../src/volumes/kopia/kopia-build.js";
import { DEFAULT_REPOSITORY_PASSWORD, KopiaCli } from "../../src/volumes/kopia/kopia-cli.js";
import { repositoryStorage } from "../../src/volumes/kopia/repository-storage.js";
import { clusterDir, jsonOf, kubectl, waitAvailable, waitUntil } from "./support.js";
import assert from "node:assert/strict";
import { storageDir, velero } from "./velero.js";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { runCli } from "../cli.js";

const run = promisify(execFile);

export const layout = () => new ClusterLayout(clusterDir());
export const storage = () => new BlockStorage(layout().blockStorageDir);

/** A Deployment `app` whose pod mounts claim `data` (storage class `standard`, bound on first use). */
export const APP_WITH_CLAIM = `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, labels: {app: web}}
spec: {storageClassName: standard, accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: app, labels: {app: web}}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: app, image: busybox, volumeMounts: [{name: data, mountPath: /data}]}]
      volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]
`;

/** APP_WITH_CLAIM in namespace ns, until it is available. */
export async function appWithClaim(ns: string): Promise<void> {
  await kubectl(["apply", "-n", ns, "-f", "-"], APP_WITH_CLAIM);
  await waitAvailable(ns, "app");
}

/**
 * A second one-node local cluster whose default location is the test cluster's storage, so each
 * sees the other's backups; it goes, with its data, when the test ends. `velero` and `kubectl`
 * run against it.
 */
export async function clusterSharingTheLocation(t: TestContext): Promise<{
  dir: string;
  layout: ClusterLayout;
  velero: (args: string[]) => ReturnType<typeof velero>;
  kubectl: (args: string[], input?: string) => Promise<string>;
}> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "lc-shared-"));
  const other = new ClusterLayout(dir);
  t.after(() => runCli(["local-cluster", "down", "--dir", dir, "--delete-data"]));
  const up = await runCli([
    "local-cluster",
    "up",
    "--dir",
    dir,
    "--nodes",
    "1",
    "--storage-dir",
    storageDir(),
  ]);
  assert.equal(up.code, 0, up.stderr);
  return {
    dir,
    layout: other,
    velero: (args) => velero([...args, "--kubeconfig", other.kubeconfig], { KUBECONFIG: "" }),
    kubectl: async (args, input) => {
      const child = run("kubectl", ["--kubeconfig", other.kubeconfig, ...args]);
      if (input !== undefined) child.child.stdin?.end(input);
      return (await child).stdout.trim();
    },
  };
}

/** The PV bound to a claim, once it is bound. */
export async function boundVolume(ns: string, claim: string): Promise<string> {
  return waitUntil(`claim ${ns}/${claim} to bind`, 60_000, async () => {
    const name = (await kubectl(["get", "pvc", claim, "-n", ns, "-o", "jsonpath={.spec.volumeName}"])).trim();
    return name || undefined;
  });
}

/** The disk directory behind a claim's volume. */
export async function claimDisk(ns: string, claim: string): Promise<string> {
  const pv = await boundVolume(ns, claim);
  const handle = (await kubectl(["get", "pv", pv, "-o", "jsonpath={.spec.csi.volumeHandle}"])).trim();
  return storage().volumeDataPath(handle);
}

/** The path of `file` as the running pod of Deployment `app` sees it in its volume `data`. */
export async function fileInApp(ns: string, file: string): Promise<string> {
  const pod = await waitUntil(`a running pod of app in ${ns}`, 60_000, async () => {
    const out = await kubectl([
      "get",
      "pods",
      "-n",
      ns,
      "-l",
      "app=web",
      "--field-selector=status.phase=Running",
      "-o",
      "jsonpath={.items[0].metadata.uid}",
    ]);
    return out.trim() || undefined;
  });
  const pv = await boundVolume(ns, "data");
  return path.join(layout().podVolumesDir(pod), "kubernetes.io~csi", pv, "mount", file);
}

/** The application writes `content` into `file` of its volume. */
export async function appWrites(ns: string, file: string, content: string): Promise<void> {
  await fs.writeFile(await fileInApp(ns, file), content);
}

/** What the application reads from `file` of its volume. */
export async function appReads(ns: string, file: string): Promise<string> {
  return fs.readFile(await fileInApp(ns, file), "utf8");
}

/** A gzipped JSON file of the storage location (`backups/...` or `restores/...`). */
export async function locationJson<T>(...parts: string[]): Promise<T> {
  return JSON.parse(gunzipSync(await fs.readFile(path.join(storageDir(), ...parts))).toString()) as T;
}

export const id = () => Math.random().toString(36).slice(2, 8);

/** Backs up namespace ns to its end (CSI snapshots unless the flags say otherwise); returns its name and what `--wait` printed. */
export async function backupToEnd(ns: string, ...flags: string[]): Promise<{ name: string; stdout: string }> {
  const name = `vol-${id()}`;
  const run = await velero(["backup", "create", name, "--include-namespaces", ns, ...flags, "--wait"]);
  assert.match(run.stdout, /Backup completed with status/, run.stderr);
  return { name, stdout: run.stdout };
}

/** Backs up namespace ns; returns the backup's name once Completed. */
export async function volumeBackup(ns: string, ...flags: string[]): Promise<string> {
  const { name, stdout } = await backupToEnd(ns, ...flags);
  assert.match(stdout, /Backup completed with status: Completed/);
  return name;
}

/** Runs a restore to its end and returns its name and what `--wait` printed. */
export async function restoreToEnd(
  backup: string,
  ...flags: string[]
): Promise<{ name: string; stdout: string }> {
  const name = `${backup}-r${id()}`;
  const run = await velero(["restore", "create", name, "--from-backup", backup, ...flags, "--wait"]);
  assert.match(run.stdout, /Restore completed with status/, run.stderr);
  return { name, stdout: run.stdout };
}

/** The velero.io objects of one kind in namespace velero that a label selector picks. */
export async function veleroObjects<T>(kind: string, selector: string): Promise<T[]> {
  return (await jsonOf<{ items: T[] }>(["get", `${kind}.velero.io`, "-n", "velero", "-l", selector])).items;
}

/** The PodVolumeBackups of a backup. */
export const podVolumeBackups = (backup: string) =>
  veleroObjects<PodVolumeBackup>("podvolumebackups", `velero.io/backup-name=${backup}`);

/**
 * A Deployment `app` (label app=web) whose pod mounts claim `data` at /data and an emptyDir
 * `cache`; the pod template carries `annotations`.
 */
export async function appWithPodVolumes(ns: string, annotations: Record<string, string>): Promise<void> {
  await kubectl(
    ["apply", "-n", ns, "-f", "-"],
    JSON.stringify({
      apiVersion: "v1",
      kind: "List",
      items: [
        {
          apiVersion: "v1",
          kind: "PersistentVolumeClaim",
          metadata: { name: "data", labels: { app: "web" } },
          spec: {
            storageClassName: "standard",
            accessModes: ["ReadWriteOnce"],
            resources: { requests: { storage: "1Gi" } },
          },
        },
        {
          apiVersion: "apps/v1",
          kind: "Deployment",
          metadata: { name: "app", labels: { app: "web" } },
          spec: {
            replicas: 1,
            selector: { matchLabels: { app: "web" } },
            template: {
              metadata: { labels: { app: "web" }, annotations },
              spec: {
                containers: [
                  {
                    name: "app",
                    image: "busybox",
                    volumeMounts: [
                      { name: "data", mountPath: "/data" },
                      { name: "cache", mountPath: "/cache" },
                    ],
                  },
                ],
                volumes: [
                  { name: "data", persistentVolumeClaim: { claimName: "data" } },
                  { name: "cache", emptyDir: {} },
                ],
              },
            },
          },
        },
      ],
    }),
  );
  await waitAvailable(ns, "app");
}

/** The pod annotation that opts volume `data` into file-system backup. */
export const FS_OPT_IN = { "backup.velero.io/backup-volumes": "data" };

/** A kopia connection of the test's own to the repository of namespace ns in the default location. */
export async function repositoryKopia(t: TestContext, ns: string): Promise<KopiaCli> {
  const workDir = await fs.mkdtemp(path.join(os.tmpdir(), "velero-ts-repo-"));
  t.after(() => fs.rm(workDir, { recursive: true, force: true }));
  const kopia = new KopiaCli(await ensureKopia(), workDir, DEFAULT_REPOSITORY_PASSWORD);
  const location = await jsonOf<BackupStorageLocation>([
    "get",
    "backupstoragelocations.velero.io",
    "default",
    "-n",
    "velero",
  ]);
  await kopia.connectRepository(repositoryStorage(location, ns));
  return kopia;
}

/** Writes `mib` MiB of random bytes (they do not compress) into `file` of the app's volume `data`. */
export async function appWritesRandom(ns: string, file: string, mib: number): Promise<void> {
  const handle = await fs.open(await fileInApp(ns, file), "w");
  try {
    for (let i = 0; i < mib / 4; i++) await handle.write(randomBytes(4 * 2 ** 20));
  } finally {
    await handle.close();
  }
}

/** Deletes a backup and waits until it is gone. */
export async function deleteBackup(backup: string): Promise<void> {
  const deleted = await velero(["backup", "delete", backup, "--confirm"]);
  assert.equal(deleted.code, 0, deleted.stderr);
  await waitUntil(
    `backup ${backup} to be deleted`,
    60_000,
    async () =>
      !(await kubectl(["get", "backups.velero.io", "-n", "velero", "-o", "name"])).includes(`/${backup}\n`),
  );
}

/** Kills the node agent of `node` with its kopia, as a container's processes die with it. */
export async function killNodeAgent(node: string): Promise<void> {
  const component = nodeAgentComponent(node);
  const pid = await runningPid(layout(), component);
  assert.ok(pid, `${component} runs`);
  process.kill(-pid, "SIGKILL");
  await waitUntil(
    `${component} to be gone`,
    10_000,
    async () => (await runningPid(layout(), component)) === undefined,
  );
}

/** Starts the node agent of `node` unless it runs, with more flags if given. */
export async function startNodeAgentAgain(node: string, flags: string[] = []): Promise<void> {
  if ((await runningPid(layout(), nodeAgentComponent(node))) !== undefined) return;
  await startNodeAgent(layout(), (await readState(layout()))!, node, flags);
}

/** A VolumeSnapshotLocation of the local cluster's block storage, made through the CLI. */
export async function snapshotLocation(t: { after: (fn: () => Promise<unknown>) => void }): Promise<string> {
  const name = `local-${id()}`;
  const created = await velero([
    "snapshot-location",
    "create",
    name,
    "--provider",
    "local-cluster",
    "--config",
    `clusterDir=${clusterDir()}`,
  ]);
  assert.equal(created.code, 0, created.stderr);
  t.after(() =>
    kubectl(["delete", "volumesnapshotlocations.velero.io", name, "-n", "velero", "--ignore-not-found"]),
  );
  return name;
}
