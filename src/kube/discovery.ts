import type { KubeClient } from "./client.js";
import { errorMessage } from "./errors.js";

/**
 * One served resource at its preferred version: its group's preferred version, or for a resource
 * that version does not serve (velero.io's v2alpha1 DataUploads), the first version that does, in
 * the server's order (as client-go's ServerPreferredResources).
 */
export interface ApiResource {
  group: string;
  version: string;
  /** Plural, lower-case name, e.g. "deployments". */
  resource: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
  shortNames: string[];
  singularName: string;
}

export interface Discovery {
  resources: ApiResource[];
  /** Groups whose discovery failed (an aggregated API that is down, say), with the reason. */
  failedGroups: { groupVersion: string; error: string }[];
}

interface APIResourceList {
  resources: {
    name: string;
    kind: string;
    namespaced: boolean;
    verbs: string[];
    shortNames?: string[];
    singularName?: string;
  }[];
}

/** "deployments.apps", or just "pods" for the core group: Velero's name for a resource. */
export function groupResource(r: { group: string; resource: string }): string {
  return r.group ? `${r.resource}.${r.group}` : r.resource;
}

export function apiVersionOf(r: { group: string; version: string }): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

/** The REST path of a resource's collection, in a namespace or cluster-wide. */
export function collectionPath(r: ApiResource, namespace?: string): string {
  const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  return r.namespaced && namespace
    ? `${base}/namespaces/${namespace}/${r.resource}`
    : `${base}/${r.resource}`;
}

/** A core (v1) resource every API server serves, for a LIST that need not wait for discovery. */
export function coreResource(resource: string, kind: string, namespaced: boolean): ApiResource {
  return {
    group: "",
    version: "v1",
    resource,
    kind,
    namespaced,
    verbs: ["list", "get"],
    shortNames: [],
    singularName: kind.toLowerCase(),
  };
}

/** The aggregated discovery document (apidiscovery.k8s.io/v2): every group in one answer. */
interface APIGroupDiscoveryList {
  kind?: string;
  items?: {
    metadata?: { name?: string };
    versions?: {
      version: string;
      freshness?: string;
      resources?: {
        resource: string;
        responseKind?: { kind?: string };
        scope: "Namespaced" | "Cluster";
        singularResource?: string;
        shortNames?: string[];
        verbs: string[];
      }[];
    }[];
  }[];
}

const AGGREGATED_DISCOVERY =
  "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json";

/**
 * Every served resource (no subresources) at its group's preferred version. Uses aggregated
 * discovery (two requests in all) where the server has it, else one request per group.
 */
export async function discover(client: KubeClient): Promise<Discovery> {
  const [core, groups] = await Promise.all([
    client.request<APIGroupDiscoveryList>("GET", "/api", { accept: AGGREGATED_DISCOVERY }),
    client.request<APIGroupDiscoveryList>("GET", "/apis", { accept: AGGREGATED_DISCOVERY }),
  ]);
  const discovery =
    core.kind === "APIGroupDiscoveryList" && groups.kind === "APIGroupDiscoveryList"
      ? discoveryFromAggregated([...(core.items ?? []), ...(groups.items ?? [])])
      : await discoverGroupByGroup(client);
  discovery.resources.sort((a, b) => groupResource(a).localeCompare(groupResource(b)));
  return discovery;
}

export function discoveryFromAggregated(items: NonNullable<APIGroupDiscoveryList["items"]>): Discovery {
  const discovery: Discovery = { resources: [], failedGroups: [] };
  for (const item of items) {
    const group = item.metadata?.name ?? "";
    // Versions come in the server's order of preference.
    const preferred = item.versions?.[0];
    if (!preferred) continue;
    const groupVersion = group ? `${group}/${preferred.version}` : preferred.version;
    if (preferred.freshness === "Stale") {
      discovery.failedGroups.push({ groupVersion, error: "the server's discovery of this group is stale" });
      continue;
    }
    const taken = new Set<string>();
    for (const version of item.versions ?? []) {
      if (version.freshness === "Stale") continue;
      for (const r of version.resources ?? []) {
        if (taken.has(r.resource)) continue;
        taken.add(r.resource);
        discovery.resources.push(aggregatedResource(group, version.version, r));
      }
    }
  }
  return discovery;
}

type AggregatedResource = NonNullable<
  NonNullable<NonNullable<APIGroupDiscoveryList["items"]>[number]["versions"]>[number]["resources"]
>[number];

function aggregatedResource(group: string, version: string, r: AggregatedResource): ApiResource {
  const kind = r.responseKind?.kind ?? "";
  return {
    group,
    version,
    resource: r.resource,
    kind,
    namespaced: r.scope === "Namespaced",
    verbs: r.verbs,
    shortNames: r.shortNames ?? [],
    singularName: r.singularResource || kind.toLowerCase(),
  };
}

/** Discovery for servers without the aggregated document: /api, /apis, then each group's version. */
async function discoverGroupByGroup(client: KubeClient): Promise<Discovery> {
  const core = await client.get<{ versions: string[] }>("/api");
  const groups = await client.get<{
    groups: {
      name: string;
      preferredVersion: { groupVersion: string; version: string };
      versions: { groupVersion: string; version: string }[];
    }[];
  }>("/apis");
  // The preferred version first, then the others in the server's order.
  const targets = [
    ...core.versions.slice(0, 1).map((v) => ({ group: "", version: v, path: `/api/${v}`, preferred: true })),
    ...groups.groups.flatMap((g) =>
      [g.preferredVersion, ...g.versions.filter((v) => v.version !== g.preferredVersion.version)].map(
        (v, i) => ({
          group: g.name,
          version: v.version,
          path: `/apis/${v.groupVersion}`,
          preferred: i === 0,
        }),
      ),
    ),
  ];
  const lists = await Promise.all(
    targets.map((t) =>
      client.get<APIResourceList>(t.path).then(
        (list) => ({ list }),
        (err: unknown) => ({ error: errorMessage(err) }),
      ),
    ),
  );
  const discovery: Discovery = { resources: [], failedGroups: [] };
  const taken = new Set<string>();
  targets.forEach((t, i) => {
    const answer = lists[i]!;
    if ("error" in answer) {
      // Only the preferred version's failure loses the group's resources.
      if (t.preferred)
        discovery.failedGroups.push({ groupVersion: t.path.replace(/^\/apis?\//, ""), error: answer.error });
      return;
    }
    for (const r of answer.list.resources) {
      if (r.name.includes("/") || taken.has(`${t.group}/${r.name}`)) continue;
      taken.add(`${t.group}/${r.name}`);
      discovery.resources.push({
        group: t.group,
        version: t.version,
        resource: r.name,
        kind: r.kind,
        namespaced: r.namespaced,
        verbs: r.verbs,
        shortNames: r.shortNames ?? [],
        singularName: r.singularName || r.kind.toLowerCase(),
      });
    }
  });
  return discovery;
}

/**
 * Finds the resource a user means by a name as kubectl accepts it: plural ("deployments"),
 * singular ("deployment"), short name ("deploy"), kind ("Deployment"), or any of those
 * qualified by group ("deployments.apps").
 */
export function resolveResource(resources: ApiResource[], name: string): ApiResource | undefined {
  const wanted = name.toLowerCase();
  const dot = wanted.indexOf(".");
  const [base, group] = dot < 0 ? [wanted, undefined] : [wanted.slice(0, dot), wanted.slice(dot + 1)];
  const matches = resources.filter((r) => {
    if (group !== undefined && r.group !== group) return false;
    return (
      r.resource === base ||
      r.singularName === base ||
      r.kind.toLowerCase() === base ||
      r.shortNames.includes(base)
    );
  });
  // An unqualified name prefers the core group, then the first group alphabetically, as kubectl does.
  return matches.find((r) => r.group === "") ?? matches[0];
}
