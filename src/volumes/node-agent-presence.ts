/**
 * Whether a node has a node agent: each agent renews a Lease in the server's namespace,
 * `velero-ts-node-agent-<node>`, every few seconds. Velero looks for a running pod of its
 * DaemonSet instead; a Lease works the same for agents run as pods and as local processes.
 */
import type { V1Lease } from "@kubernetes/client-node";
import type { KubeClient } from "../kube/client.js";
import { isNotFound } from "../kube/errors.js";

export const NODE_AGENT_LEASE_SECONDS = 30;
/** How often an agent renews its Lease: well within its duration. */
export const NODE_AGENT_RENEW_MS = 10_000;

const leasesPath = (namespace: string, name?: string) =>
  `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases${name ? `/${name}` : ""}`;

export const nodeAgentLeaseName = (node: string) => `velero-ts-node-agent-${node}`;

/** The agent's heartbeat: creates its Lease, or moves its renew time to now. */
export async function renewNodeAgentLease(
  client: KubeClient,
  namespace: string,
  node: string,
): Promise<void> {
  const name = nodeAgentLeaseName(node);
  const spec = {
    holderIdentity: node,
    leaseDurationSeconds: NODE_AGENT_LEASE_SECONDS,
    renewTime: new Date().toISOString().replace("Z", "000Z"),
  };
  try {
    await client.request("PATCH", leasesPath(namespace, name), {
      body: { spec },
      contentType: "application/merge-patch+json",
    });
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await client.request("POST", leasesPath(namespace), {
      body: { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name, namespace }, spec },
    });
  }
}

/** Whether the node's agent renewed its Lease within the Lease's duration. */
export async function nodeAgentRunning(
  client: KubeClient,
  namespace: string,
  node: string,
): Promise<boolean> {
  try {
    const lease = await client.get<V1Lease>(leasesPath(namespace, nodeAgentLeaseName(node)));
    const renewed = Date.parse(String(lease.spec?.renewTime ?? ""));
    const seconds = lease.spec?.leaseDurationSeconds ?? NODE_AGENT_LEASE_SECONDS;
    return Number.isFinite(renewed) && Date.now() - renewed < seconds * 1000;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}
