import {
  CoordinationV1Api,
  CoreV1Api,
  KubeConfig,
  V1MicroTime,
  type V1Node,
  type V1NodeCondition,
} from "@kubernetes/client-node";
import type { Logger } from "pino";
import { kubernetesVersion } from "../build.js";
import { NODE_NAME_PREFIX } from "./names.js";
import { MERGE_PATCH } from "./patch.js";
import { statusCode } from "../../kube/errors.js";

const LEASE_NAMESPACE = "kube-node-lease";
const LEASE_RENEW_MS = 10_000;
const STATUS_REPORT_MS = 60_000;

export function nodeNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${NODE_NAME_PREFIX}${i + 1}`);
}

/** Plays the kubelet's node registration and heartbeats (Lease renewals and status reports). */
export class NodeHeartbeats {
  private readonly core: CoreV1Api;
  private readonly coordination: CoordinationV1Api;
  private timers: NodeJS.Timeout[] = [];

  constructor(
    kc: KubeConfig,
    readonly names: string[],
    private readonly log: Logger,
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.coordination = kc.makeApiClient(CoordinationV1Api);
  }

  async start(): Promise<void> {
    for (const name of this.names) {
      await this.register(name);
      await this.reportStatus(name);
      await this.renewLease(name);
    }
    this.timers.push(setInterval(() => this.each((n) => this.renewLease(n)), LEASE_RENEW_MS));
    this.timers.push(setInterval(() => this.each((n) => this.reportStatus(n)), STATUS_REPORT_MS));
  }

  stop(): void {
    this.timers.forEach(clearInterval);
  }

  private each(fn: (name: string) => Promise<void>): void {
    for (const name of this.names) {
      fn(name).catch((err: unknown) =>
        this.log.warn({ node: name, err: String(err) }, "node heartbeat failed"),
      );
    }
  }

  private async register(name: string): Promise<void> {
    const node: V1Node = {
      apiVersion: "v1",
      kind: "Node",
      metadata: {
        name,
        labels: {
          "kubernetes.io/hostname": name,
          "kubernetes.io/os": "linux",
          "kubernetes.io/arch": "amd64",
          "topology.kubernetes.io/zone": "local",
        },
      },
      spec: {},
    };
    try {
      await this.core.createNode({ body: node });
      this.log.info({ node: name }, "node registered");
    } catch (err) {
      if (statusCode(err) !== 409) throw err;
    }
  }

  private async reportStatus(name: string): Promise<void> {
    const now = new Date();
    const condition = (type: string, status: string, reason: string, message: string): V1NodeCondition => ({
      type,
      status,
      reason,
      message,
      lastHeartbeatTime: now,
      lastTransitionTime: now,
    });
    const resources = { cpu: "8", memory: "32Gi", pods: "250", "ephemeral-storage": "100Gi" };
    const status = {
      capacity: resources,
      allocatable: resources,
      conditions: [
        condition(
          "MemoryPressure",
          "False",
          "KubeletHasSufficientMemory",
          "kubelet has sufficient memory available",
        ),
        condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
        condition("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
      ],
      addresses: [
        { type: "InternalIP", address: "127.0.0.1" },
        { type: "Hostname", address: name },
      ],
      nodeInfo: {
        machineID: name,
        systemUUID: name,
        bootID: name,
        kernelVersion: "simulated",
        osImage: "velero-ts node simulator",
        containerRuntimeVersion: "simulated://1.0.0",
        kubeletVersion: kubernetesVersion(),
        kubeProxyVersion: "",
        operatingSystem: "linux",
        architecture: "amd64",
      },
    };
    await this.core.patchNodeStatus({ name, body: { status } }, MERGE_PATCH);
  }

  private async renewLease(name: string): Promise<void> {
    const renewTime = new V1MicroTime();
    try {
      await this.coordination.patchNamespacedLease(
        { name, namespace: LEASE_NAMESPACE, body: { spec: { renewTime, holderIdentity: name } } },
        MERGE_PATCH,
      );
    } catch (err) {
      if (statusCode(err) !== 404) throw err;
      await this.coordination.createNamespacedLease({
        namespace: LEASE_NAMESPACE,
        body: {
          metadata: { name, namespace: LEASE_NAMESPACE },
          spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime },
        },
      });
    }
  }
}
