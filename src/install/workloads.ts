// The velero-ts server Deployment and the node-agent DaemonSet, shaped like Velero's.
import type { V1Container, V1DaemonSet, V1Deployment, V1EnvVar, V1Volume } from "@kubernetes/client-node";
import { COMPONENT_LABEL, COMPONENT_VELERO } from "../api/labels.js";
import { CREDENTIALS_KEY, CREDENTIALS_SECRET, SERVICE_ACCOUNT } from "./names.js";

export const SERVER_NAME = "velero";
export const NODE_AGENT_NAME = "node-agent";
export const CREDENTIALS_DIR = "/credentials";
/** Where the node agent sees the kubelet's pod directories (Velero's path). */
export const HOST_PODS_DIR = "/host_pods";
const KUBELET_PODS_DIR = "/var/lib/kubelet/pods";

export interface WorkloadOptions {
  namespace: string;
  image: string;
  withSecret: boolean;
}

const fromField = (name: string, fieldPath: string): V1EnvVar => ({
  name,
  valueFrom: { fieldRef: { fieldPath } },
});

/** Velero's rule: a pinned tag is pulled once, an untagged or :latest image on every start. */
function pullPolicy(image: string): string {
  const tag = /:([^/:@]+)$/.exec(image)?.[1];
  return tag && tag !== "latest" ? "IfNotPresent" : "Always";
}

function container(name: string, o: WorkloadOptions, args: string[], env: V1EnvVar[]): V1Container {
  return {
    name,
    image: o.image,
    imagePullPolicy: pullPolicy(o.image),
    command: ["velero-ts"],
    args,
    env: [
      ...env,
      fromField("VELERO_NAMESPACE", "metadata.namespace"),
      ...(o.withSecret
        ? [{ name: "AWS_SHARED_CREDENTIALS_FILE", value: `${CREDENTIALS_DIR}/${CREDENTIALS_KEY}` }]
        : []),
    ],
    volumeMounts: o.withSecret
      ? [{ name: CREDENTIALS_SECRET, mountPath: CREDENTIALS_DIR, readOnly: true }]
      : [],
  };
}

function credentialsVolumes(o: WorkloadOptions): V1Volume[] {
  return o.withSecret
    ? [{ name: CREDENTIALS_SECRET, secret: { secretName: CREDENTIALS_SECRET, defaultMode: 0o444 } }]
    : [];
}

export function serverDeployment(o: WorkloadOptions): V1Deployment {
  const selector = { deploy: SERVER_NAME };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: SERVER_NAME, namespace: o.namespace, labels: { [COMPONENT_LABEL]: COMPONENT_VELERO } },
    spec: {
      replicas: 1,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: { [COMPONENT_LABEL]: COMPONENT_VELERO, ...selector } },
        spec: {
          serviceAccountName: SERVICE_ACCOUNT,
          restartPolicy: "Always",
          containers: [container(SERVER_NAME, o, ["server"], [])],
          volumes: credentialsVolumes(o),
        },
      },
    },
  };
}

export function nodeAgentDaemonSet(o: WorkloadOptions): V1DaemonSet {
  const selector = { name: NODE_AGENT_NAME };
  const agent = container(NODE_AGENT_NAME, o, ["node-agent"], [fromField("NODE_NAME", "spec.nodeName")]);
  // HostToContainer: volumes the kubelet mounts after the agent started still show up inside it.
  agent.volumeMounts!.unshift({
    name: "host-pods",
    mountPath: HOST_PODS_DIR,
    mountPropagation: "HostToContainer",
  });
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: {
      name: NODE_AGENT_NAME,
      namespace: o.namespace,
      labels: { [COMPONENT_LABEL]: COMPONENT_VELERO },
    },
    spec: {
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: { [COMPONENT_LABEL]: COMPONENT_VELERO, ...selector, role: NODE_AGENT_NAME } },
        spec: {
          serviceAccountName: SERVICE_ACCOUNT,
          // Root, to read every pod's files on the node.
          securityContext: { runAsUser: 0 },
          containers: [agent],
          volumes: [{ name: "host-pods", hostPath: { path: KUBELET_PODS_DIR } }, ...credentialsVolumes(o)],
        },
      },
    },
  };
}
