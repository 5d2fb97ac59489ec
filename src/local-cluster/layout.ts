import path from "node:path";

/** The processes `local-cluster up` starts, in start order. */
export const COMPONENTS = [
  "etcd",
  "kube-apiserver",
  "kube-controller-manager",
  "node-simulator",
  "velero-server",
] as const;
/** The node agent of one simulated node, started after the server when velero-ts is installed. */
export type NodeAgentComponent = `node-agent-${string}`;
export type Component = (typeof COMPONENTS)[number] | NodeAgentComponent;
export const nodeAgentComponent = (node: string): NodeAgentComponent => `node-agent-${node}`;

/** Every path under a local cluster's directory, in one place. */
export class ClusterLayout {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = path.resolve(dir);
  }

  get kubeconfig(): string {
    return path.join(this.dir, "kubeconfig");
  }
  get stateFile(): string {
    return path.join(this.dir, "state.json");
  }
  get lockFile(): string {
    return path.join(this.dir, "up.lock");
  }
  get pkiDir(): string {
    return path.join(this.dir, "pki");
  }
  pki(file: string): string {
    return path.join(this.pkiDir, file);
  }
  get controllerManagerKubeconfig(): string {
    return this.pki("controller-manager.kubeconfig");
  }
  get simulatorKubeconfig(): string {
    return this.pki("node-simulator.kubeconfig");
  }
  get etcdDataDir(): string {
    return path.join(this.dir, "etcd");
  }
  get logsDir(): string {
    return path.join(this.dir, "logs");
  }
  log(component: Component): string {
    return path.join(this.logsDir, `${component}.log`);
  }
  get runDir(): string {
    return path.join(this.dir, "run");
  }
  pidFile(component: Component): string {
    return path.join(this.runDir, `${component}.pid`);
  }
  /** Written by the node simulator, holding its pid, once it serves. */
  get simulatorReadyFile(): string {
    return path.join(this.runDir, "node-simulator.ready");
  }
  /** Root of the kubelet layout, the equivalent of /var/lib/kubelet on a node. */
  get kubeletDir(): string {
    return path.join(this.dir, "kubelet");
  }
  /** The kubelet's pods directory: what a node agent reads pod volumes from. */
  get kubeletPodsDir(): string {
    return path.join(this.kubeletDir, "pods");
  }
  podVolumesDir(podUid: string): string {
    return path.join(this.kubeletPodsDir, podUid, "volumes");
  }
  /** The default backup storage location's files (provider filesystem). */
  get storageDir(): string {
    return path.join(this.dir, "storage");
  }
  /** Where the simulated cloud keeps disks and their snapshots. */
  get blockStorageDir(): string {
    return path.join(this.dir, "block-storage");
  }
}
