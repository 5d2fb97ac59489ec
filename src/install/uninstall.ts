// `velero-ts uninstall`, as `velero uninstall`: the namespace (waited on until gone), then the
// ClusterRoleBinding, then the velero.io CRDs. Unlike Velero, the CRDs are kept while another
// install in the cluster still uses them: deleting a CRD deletes every object of its kind in
// every namespace, the other install's backups and locations included.
import type { V1ClusterRoleBinding, V1CustomResourceDefinition, V1Namespace } from "@kubernetes/client-node";
import { setTimeout as sleep } from "node:timers/promises";
import { COMPONENT_LABEL, COMPONENT_VELERO } from "../api/labels.js";
import { VELERO_GROUP } from "../api/v1/index.js";
import type { KubeClient } from "../kube/client.js";
import { errorMessage, isNotFound } from "../kube/errors.js";
import { SERVICE_ACCOUNT, clusterRoleBindingName } from "./names.js";

const SELECTOR = `${COMPONENT_LABEL}=${COMPONENT_VELERO}`;
const CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
const BINDINGS = "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings";

/** What an uninstall of `namespace` deletes, given what the cluster holds. */
export interface UninstallPlan {
  namespace: string;
  clusterRoleBinding: string;
  /** The velero.io CRDs to delete: none while other installs remain. */
  crds: string[];
  /** The namespaces of the other installs that keep the CRDs. */
  otherInstalls: string[];
}

/**
 * The plan for uninstalling from `namespace`: another install is a ClusterRoleBinding of
 * install's (labelled component=velero) binding the velero ServiceAccount of another namespace
 * that still exists and is not being deleted.
 */
export function uninstallPlan(
  namespace: string,
  bindings: V1ClusterRoleBinding[],
  crds: V1CustomResourceDefinition[],
  liveNamespaces: ReadonlySet<string>,
): UninstallPlan {
  const otherInstalls = new Set<string>();
  for (const binding of bindings) {
    if (binding.metadata?.labels?.[COMPONENT_LABEL] !== COMPONENT_VELERO) continue;
    for (const s of binding.subjects ?? []) {
      if (s.kind !== "ServiceAccount" || s.name !== SERVICE_ACCOUNT || !s.namespace) continue;
      if (s.namespace !== namespace && liveNamespaces.has(s.namespace)) otherInstalls.add(s.namespace);
    }
  }
  const veleroCrds = crds
    .filter(
      (c) => c.spec.group === VELERO_GROUP && c.metadata?.labels?.[COMPONENT_LABEL] === COMPONENT_VELERO,
    )
    .map((c) => c.metadata!.name!)
    .sort();
  return {
    namespace,
    clusterRoleBinding: clusterRoleBindingName(namespace),
    crds: otherInstalls.size ? [] : veleroCrds,
    otherInstalls: [...otherInstalls].sort(),
  };
}

/** Carries out an uninstall, one line of news per step; throws with every error when a step failed. */
export async function uninstall(
  client: KubeClient,
  namespace: string,
  say: (line: string) => void,
): Promise<void> {
  // The CRDs go only after the namespace is gone (Velero issue #3974): a failure here stops all.
  await deleteNamespace(client, namespace, say);
  const namespaces = await client.get<{ items: V1Namespace[] }>("/api/v1/namespaces");
  const live = new Set(
    namespaces.items.filter((n) => !n.metadata?.deletionTimestamp).map((n) => n.metadata!.name!),
  );
  const plan = uninstallPlan(
    namespace,
    (await client.get<{ items: V1ClusterRoleBinding[] }>(BINDINGS, { labelSelector: SELECTOR })).items,
    (await client.get<{ items: V1CustomResourceDefinition[] }>(CRDS, { labelSelector: SELECTOR })).items,
    live,
  );
  const errors: string[] = [];
  const remove = async (path: string, what: string): Promise<boolean> => {
    try {
      await client.request("DELETE", path);
      return true;
    } catch (err) {
      if (isNotFound(err)) say(`${what} does not exist, skipping.`);
      else errors.push(`deleting ${what}: ${errorMessage(err)}`);
      return false;
    }
  };
  await remove(
    `${BINDINGS}/${plan.clusterRoleBinding}`,
    `Velero ClusterRoleBinding "${plan.clusterRoleBinding}"`,
  );
  if (plan.otherInstalls.length) {
    say(
      `Velero CRDs kept: velero-ts is also installed in namespace ${plan.otherInstalls.join(", ")}, whose objects would be deleted with them.`,
    );
  } else if (!plan.crds.length) {
    say("V1 Velero CRDs not found, skipping...");
  }
  for (const crd of plan.crds) await remove(`${CRDS}/${crd}`, `CustomResourceDefinition ${crd}`);
  if (errors.length) throw new Error(`Errors while attempting to uninstall Velero: ${errors.join("; ")}`);
  say("Velero uninstalled ⛵");
}

async function deleteNamespace(client: KubeClient, namespace: string, say: (line: string) => void) {
  const path = `/api/v1/namespaces/${namespace}`;
  try {
    await client.request("DELETE", path);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    say(`Velero namespace "${namespace}" does not exist, skipping.`);
    return;
  }
  say(`Waiting for velero namespace "${namespace}" to be deleted`);
  for (;;) {
    try {
      await client.get(path);
    } catch (err) {
      if (isNotFound(err)) break;
      throw err;
    }
    await sleep(500);
  }
  say(`Velero namespace "${namespace}" deleted`);
}
