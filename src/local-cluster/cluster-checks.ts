import { CoreV1Api } from "@kubernetes/client-node";
import { loadKubeConfig } from "../kube/config.js";

/** Whether at least `expected` nodes report the Ready condition. */
export async function nodesReady(kubeconfig: string, expected: number): Promise<boolean> {
  const core = loadKubeConfig(kubeconfig).makeApiClient(CoreV1Api);
  const nodes = await core.listNode();
  const ready = nodes.items.filter((n) =>
    n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
  );
  return ready.length >= expected;
}
