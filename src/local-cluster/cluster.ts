import { promises as fs } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { applyInstall } from "../install/apply.js";
import { installObjects } from "../install/manifests.js";
import { DEFAULT_IMAGE } from "../install/options.js";
import { loadKubeConfig } from "../kube/config.js";
import type { BuildProgress } from "../build/go.js";
import { ensureControlPlane } from "./build.js";
import { writeKubeconfig } from "./kubeconfig.js";
import { ClusterLayout, COMPONENTS, nodeAgentComponent, type Component } from "./layout.js";
import { nodeNames } from "./simulator/nodes.js";
import { ensureKopia } from "../volumes/kopia/kopia-build.js";
import { freePort, portInUse } from "./ports.js";
import { runningPid, startComponent, stopComponent } from "./processes.js";
import { apiServerReady, etcdHealthy, waitFor } from "./readiness.js";
import { readState, writeState, type ClusterState } from "./state.js";
import { withLock } from "./lock.js";
import { runToCompletion } from "./run.js";
import { locationAvailable, nodesReady } from "./cluster-checks.js";

export interface UpOptions {
  dir: string;
  nodes: number;
  /** Install velero-ts and run its server (default true). */
  install?: boolean;
  /** Directory of the default backup storage location (default DIR/storage); clusters may share one. */
  storageDir?: string;
  apiPort?: number;
  /** Makes the progress report of one Go build (the control plane, kopia), given its title. */
  buildProgress?: (title: string) => BuildProgress;
  /** One line of news for the user per step. */
  say?: (line: string) => void;
}

export interface UpResult {
  kubeconfig: string;
  apiServer: string;
  alreadyRunning: boolean;
}

const SIMULATOR_ENTRY = fileURLToPath(new URL("./simulator/main.js", import.meta.url));
const CLI_ENTRY = fileURLToPath(new URL("../../../bin/velero-ts.js", import.meta.url));
/** The namespace local-cluster installs velero-ts into, Velero's default. */
export const VELERO_NAMESPACE = "velero";

/**
 * Starts (or finds running) a local cluster in dir: etcd, kube-apiserver,
 * kube-controller-manager and the node simulator, each a background process.
 * On any failure everything this call started is stopped again.
 */
export async function up(options: UpOptions): Promise<UpResult> {
  const say = options.say ?? (() => {});
  if (!Number.isInteger(options.nodes) || options.nodes < 1 || options.nodes > 100) {
    throw new Error(`--nodes must be a whole number from 1 to 100, not ${options.nodes}`);
  }
  const layout = new ClusterLayout(options.dir);
  await fs.mkdir(layout.dir, { recursive: true });
  return withLock(layout.lockFile, "`local-cluster up`", () => upLocked(layout, options, say));
}

async function upLocked(
  layout: ClusterLayout,
  options: UpOptions,
  say: (line: string) => void,
): Promise<UpResult> {
  const previous = await readState(layout);
  const running = await runningComponents(layout);
  if (previous && running.length === expectedComponents(previous).length) {
    return { kubeconfig: layout.kubeconfig, apiServer: apiUrl(previous.apiServerPort), alreadyRunning: true };
  }
  if (running.length > 0) {
    say(
      `a previous run in ${layout.dir} left ${running.join(", ")} running without the rest: stopping them first`,
    );
    await down({ dir: layout.dir });
  } else if (previous) {
    say(`${layout.dir} holds a stopped cluster: starting it again with its data`);
  }

  const build = await ensureControlPlane(options.buildProgress?.("building the Kubernetes control plane"));
  await runToCompletion(build.binary, ["pki", layout.pkiDir]);
  const install = options.install ?? true;
  // The node agents move volume data with kopia, built once per machine like the control plane.
  const kopia = install
    ? await ensureKopia(options.buildProgress?.("building kopia (Velero's fork)"))
    : undefined;

  const state: ClusterState = {
    apiServerPort: await choosePort(options.apiPort, previous?.apiServerPort),
    etcdClientPort: await freePort(),
    etcdPeerPort: await freePort(),
    downloadServerPort: await freePort(),
    nodes: options.nodes,
    install,
    ...(kopia ? { kopia } : {}),
    storageDir: path.resolve(options.storageDir ?? previous?.storageDir ?? layout.storageDir),
    binary: build.binary,
    startedAt: new Date().toISOString(),
  };
  await writeState(layout, state);

  const stopOnSignal = () => void down({ dir: layout.dir }).finally(() => process.exit(130));
  process.once("SIGINT", stopOnSignal);
  process.once("SIGTERM", stopOnSignal);
  try {
    await startAll(layout, state, build.crdDir, say);
  } catch (err) {
    say("start-up failed: stopping what was started");
    await down({ dir: layout.dir });
    throw err;
  } finally {
    process.off("SIGINT", stopOnSignal);
    process.off("SIGTERM", stopOnSignal);
  }
  return { kubeconfig: layout.kubeconfig, apiServer: apiUrl(state.apiServerPort), alreadyRunning: false };
}

async function startAll(
  layout: ClusterLayout,
  state: ClusterState,
  crdDir: string,
  say: (line: string) => void,
) {
  const bin = state.binary;
  say(`starting etcd on 127.0.0.1:${state.etcdClientPort}`);
  await startComponent(layout, "etcd", bin, [
    "etcd",
    `--data-dir=${layout.etcdDataDir}`,
    `--listen-client-url=http://127.0.0.1:${state.etcdClientPort}`,
    `--listen-peer-url=http://127.0.0.1:${state.etcdPeerPort}`,
  ]);
  await waitFor(layout, "etcd", "etcd became healthy", 60_000, () => etcdHealthy(state.etcdClientPort));

  say(`starting kube-apiserver on ${apiUrl(state.apiServerPort)}`);
  await startComponent(layout, "kube-apiserver", bin, ["kube-apiserver", ...apiServerFlags(layout, state)]);
  await waitFor(layout, "kube-apiserver", "kube-apiserver became ready", 180_000, () =>
    apiServerReady(layout, state.apiServerPort),
  );

  const identity = (file: string, user: string) => ({
    server: apiUrl(state.apiServerPort),
    caFile: layout.pki("ca.crt"),
    certFile: layout.pki(`${file}.crt`),
    keyFile: layout.pki(`${file}.key`),
    user,
  });
  await writeKubeconfig(layout.kubeconfig, identity("admin", "velero-ts-admin"));
  await writeKubeconfig(
    layout.controllerManagerKubeconfig,
    identity("controller-manager", "system:kube-controller-manager"),
  );
  await writeKubeconfig(layout.simulatorKubeconfig, identity("node-simulator", "velero-ts-node-simulator"));

  say("starting kube-controller-manager");
  await startComponent(layout, "kube-controller-manager", bin, [
    "kube-controller-manager",
    ...controllerManagerFlags(layout),
  ]);

  say(`starting the node simulator with ${state.nodes} node(s)`);
  await fs.rm(layout.simulatorReadyFile, { force: true });
  const simulatorPid = await startComponent(layout, "node-simulator", process.execPath, [
    SIMULATOR_ENTRY,
    `--dir=${layout.dir}`,
    `--nodes=${state.nodes}`,
    `--crd-dir=${crdDir}`,
  ]);
  await waitFor(layout, "node-simulator", `${state.nodes} node(s) became Ready`, 120_000, async () => {
    const ready = await fs.readFile(layout.simulatorReadyFile, "utf8").catch(() => "");
    return Number(ready) === simulatorPid && (await nodesReady(layout.kubeconfig, state.nodes));
  });
  if (state.install) await installVelero(layout, state, say);
  const missing = [];
  for (const component of expectedComponents(state))
    if ((await runningPid(layout, component)) === undefined) missing.push(component);
  if (missing.length) throw new Error(`${missing.join(", ")} stopped during start-up: see ${layout.logsDir}`);
}

/** Installs velero-ts (CRDs, namespace, the default filesystem location) and starts its server. */
async function installVelero(
  layout: ClusterLayout,
  state: ClusterState,
  say: (line: string) => void,
): Promise<void> {
  say(`installing velero-ts with the default backup storage location in ${state.storageDir}`);
  await fs.mkdir(state.storageDir, { recursive: true });
  const objects = installObjects({
    namespace: VELERO_NAMESPACE,
    provider: "filesystem",
    bucket: "local",
    backupLocationConfig: { path: state.storageDir },
    noSecret: true,
    useNodeAgent: false,
    useVolumeSnapshots: false,
    image: DEFAULT_IMAGE,
  }).filter((o) => o.kind !== "Deployment" && o.kind !== "DaemonSet");
  // The server runs here as a process rather than in a pod: the simulated nodes run no containers.
  await applyInstall(loadKubeConfig(layout.kubeconfig), objects);
  say("starting velero-ts server");
  await startComponent(
    layout,
    "velero-server",
    process.execPath,
    [
      CLI_ENTRY,
      "server",
      `--kubeconfig=${layout.kubeconfig}`,
      `--namespace=${VELERO_NAMESPACE}`,
      "--backup-sync-period=10s",
      "--store-validation-frequency=10s",
      "--garbage-collection-frequency=10s",
      `--download-server-address=127.0.0.1:${state.downloadServerPort}`,
    ],
    kopiaEnv(state),
  );
  await waitFor(layout, "velero-server", "the default backup storage location became Available", 60_000, () =>
    locationAvailable(layout.kubeconfig, VELERO_NAMESPACE),
  );
  for (const node of nodeNames(state.nodes)) {
    say(`starting the node agent of ${node}`);
    await startNodeAgent(layout, state, node);
  }
}

/** Starts the node agent of one simulated node (again, after it stopped, with more flags if given); returns its pid. */
export function startNodeAgent(
  layout: ClusterLayout,
  state: ClusterState,
  node: string,
  flags: string[] = [],
): Promise<number> {
  return startComponent(
    layout,
    nodeAgentComponent(node),
    process.execPath,
    [
      CLI_ENTRY,
      "node-agent",
      `--node-name=${node}`,
      `--kubeconfig=${layout.kubeconfig}`,
      `--namespace=${VELERO_NAMESPACE}`,
      `--host-pods-dir=${layout.kubeletPodsDir}`,
      ...flags,
    ],
    kopiaEnv(state),
  );
}

/** The environment of the processes that run kopia: pointed at the build `up` made. */
function kopiaEnv(state: ClusterState): NodeJS.ProcessEnv {
  return { ...process.env, ...(state.kopia ? { VELERO_TS_KOPIA: state.kopia } : {}) };
}

/** Every process of a cluster of `nodes` nodes, in start order. */
function allComponents(nodes: number): Component[] {
  return [...COMPONENTS, ...nodeNames(nodes).map(nodeAgentComponent)];
}

function expectedComponents(state: ClusterState): Component[] {
  return allComponents(state.nodes).filter(
    (c) => (c !== "velero-server" && !c.startsWith("node-agent-")) || state.install,
  );
}

function apiServerFlags(layout: ClusterLayout, state: ClusterState): string[] {
  return [
    `--etcd-servers=http://127.0.0.1:${state.etcdClientPort}`,
    "--bind-address=127.0.0.1",
    "--advertise-address=127.0.0.1",
    `--secure-port=${state.apiServerPort}`,
    `--tls-cert-file=${layout.pki("apiserver.crt")}`,
    `--tls-private-key-file=${layout.pki("apiserver.key")}`,
    `--client-ca-file=${layout.pki("ca.crt")}`,
    "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
    `--service-account-key-file=${layout.pki("sa.pub")}`,
    `--service-account-signing-key-file=${layout.pki("sa.key")}`,
    "--service-cluster-ip-range=10.96.0.0/16",
    "--authorization-mode=RBAC",
    "--allow-privileged=true",
    "--profiling=false",
    // A development cluster serves one user and its tests: let bulk work through.
    "--max-requests-inflight=1000",
    "--max-mutating-requests-inflight=500",
    `--cert-dir=${layout.pkiDir}`,
  ];
}

function controllerManagerFlags(layout: ClusterLayout): string[] {
  const kubeconfig = layout.controllerManagerKubeconfig;
  return [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    "--secure-port=0",
    "--leader-elect=false",
    "--use-service-account-credentials=true",
    `--service-account-private-key-file=${layout.pki("sa.key")}`,
    `--root-ca-file=${layout.pki("ca.crt")}`,
    `--cluster-signing-cert-file=${layout.pki("ca.crt")}`,
    `--cluster-signing-key-file=${layout.pki("ca.key")}`,
    "--controllers=*",
    "--kube-api-qps=200",
    "--kube-api-burst=400",
  ];
}

async function choosePort(requested: number | undefined, previous: number | undefined): Promise<number> {
  if (requested !== undefined) {
    if (!Number.isInteger(requested) || requested < 1 || requested > 65535) {
      throw new Error(`--api-port must be a port number from 1 to 65535, not ${requested}`);
    }
    if (await portInUse(requested)) {
      throw new Error(
        `port ${requested} on 127.0.0.1 is already in use: choose another with --api-port, or leave it out to take a free one`,
      );
    }
    return requested;
  }
  if (previous !== undefined && !(await portInUse(previous))) return previous;
  return freePort();
}

function apiUrl(port: number): string {
  return `https://127.0.0.1:${port}`;
}

async function runningComponents(layout: ClusterLayout): Promise<Component[]> {
  const running: Component[] = [];
  for (const component of allComponents((await readState(layout))?.nodes ?? 0))
    if ((await runningPid(layout, component)) !== undefined) running.push(component);
  return running;
}

export interface DownOptions {
  dir: string;
  /** Also delete the cluster's data (etcd, volumes, certificates, logs). */
  deleteData?: boolean;
}

/** Stops every process that `up` started for dir, newest first. Returns the ones that were running. */
export async function down(options: DownOptions): Promise<Component[]> {
  const layout = new ClusterLayout(options.dir);
  const stopped: Component[] = [];
  for (const component of allComponents((await readState(layout))?.nodes ?? 0).reverse()) {
    if (await stopComponent(layout, component)) stopped.push(component);
  }
  if (options.deleteData) {
    const owned = [
      layout.etcdDataDir,
      layout.storageDir,
      layout.pkiDir,
      layout.logsDir,
      layout.runDir,
      layout.kubeletDir,
      layout.blockStorageDir,
      layout.kubeconfig,
      layout.stateFile,
    ];
    for (const p of owned) await fs.rm(p, { recursive: true, force: true });
  }
  return stopped;
}

export interface ComponentStatus {
  component: Component;
  pid?: number;
  log: string;
}

export interface ClusterStatus {
  dir: string;
  state?: ClusterState;
  components: ComponentStatus[];
  apiServer?: string;
  apiServerReady: boolean;
}

export async function status(dir: string): Promise<ClusterStatus> {
  const layout = new ClusterLayout(dir);
  const state = await readState(layout);
  const components: ComponentStatus[] = [];
  for (const component of state ? expectedComponents(state) : allComponents(0)) {
    components.push({ component, pid: await runningPid(layout, component), log: layout.log(component) });
  }
  const ready = state ? await apiServerReady(layout, state.apiServerPort).catch(() => false) : false;
  return {
    dir: layout.dir,
    state,
    components,
    apiServer: state ? apiUrl(state.apiServerPort) : undefined,
    apiServerReady: ready,
  };
}
