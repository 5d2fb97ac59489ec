import { groupResource, type ApiResource } from "../kube/discovery.js";

/**
 * Resources the API server serves under two groups are one set of objects: `events` and
 * `events.events.k8s.io` list the same Events. Velero backs each set up once, from the group it
 * meets first in discovery, where the core group comes first and `extensions` last; so does this.
 */
const COHABITING: Record<string, readonly string[]> = {
  events: ["", "events.k8s.io"],
  deployments: ["apps", "extensions"],
  daemonsets: ["apps", "extensions"],
  replicasets: ["apps", "extensions"],
  networkpolicies: ["networking.k8s.io", "extensions"],
  ingresses: ["networking.k8s.io", "extensions"],
};

/** The resources without the second home of any cohabiting resource. */
export function withoutCohabitants(resources: ApiResource[]): ApiResource[] {
  const served = new Set(resources.map(groupResource));
  return resources.filter((r) => {
    const groups = COHABITING[r.resource];
    if (!groups?.includes(r.group)) return true;
    const first = groups.find((g) => served.has(groupResource({ group: g, resource: r.resource })));
    return first === r.group;
  });
}
