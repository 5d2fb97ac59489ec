import {
  EXISTING_RESOURCE_POLICIES,
  type ExistingResourcePolicy,
  type RestoreSpec,
} from "../api/v1/index.js";

export const INVALID_POLICY_MESSAGE = `existing-resource-policy has invalid value, it accepts only ${EXISTING_RESOURCE_POLICIES.join(", ")} as value`;

/**
 * Deleting one of these destroys data or every object of a kind (a namespace's contents, a
 * volume's data, a CRD's custom resources): `recreate` acts as `update` for them, and `--prune`
 * leaves them be.
 */
export const NEVER_DELETED = new Set([
  "namespaces",
  "persistentvolumes",
  "persistentvolumeclaims",
  "customresourcedefinitions.apiextensions.k8s.io",
]);

export function isExistingResourcePolicy(value: unknown): value is ExistingResourcePolicy {
  return (EXISTING_RESOURCE_POLICIES as readonly unknown[]).includes(value);
}

/** What a restore does with objects that already exist, per group-resource. */
export class ExistingPolicies {
  readonly #overrides = new Map<string, ExistingResourcePolicy>();
  readonly #default: ExistingResourcePolicy;
  /** The spec names a policy (Velero's older warning text is kept for restores that name none). */
  readonly #named: boolean;

  constructor(spec: RestoreSpec, canonical: (name: string) => string = (n) => n) {
    this.#default = spec.existingResourcePolicy ?? "none";
    this.#named = !!spec.existingResourcePolicy;
    for (const [policy, list] of Object.entries(spec.existingResourcePolicyOverrides ?? {})) {
      for (const name of list?.includedResources ?? []) {
        this.#overrides.set(canonical(name), policy as ExistingResourcePolicy);
      }
    }
  }

  policyFor(groupResource: string): ExistingResourcePolicy {
    return this.#overrides.get(groupResource) ?? this.#default;
  }

  /**
   * Velero's warning for an existing object that differs from the backed-up one and is left as it
   * is. Velero words it `Kind:name` when the restore names no policy, `Kind "name"` when it names none.
   */
  differsWarning(groupResource: string, kind: string, name: string): string {
    const named = this.#overrides.has(groupResource) || this.#named;
    const what = named ? `${kind} "${name}"` : `${kind}:${name}`;
    return `could not restore, ${what} already exists. Warning: the in-cluster version is different than the backed-up version`;
  }

  /** The overridden resources that `known` does not know, as the spec names them after resolving. */
  unknownResources(known: (groupResource: string) => boolean): string[] {
    return [...this.#overrides.keys()].filter((gr) => !known(gr));
  }
}

/** Problems with a spec's policy and overrides, each a sentence that says what to change. */
export function validateExistingResourcePolicy(
  spec: RestoreSpec,
  canonical: (name: string) => string = (n) => n,
): string[] {
  const errors: string[] = [];
  if (spec.existingResourcePolicy && !isExistingResourcePolicy(spec.existingResourcePolicy)) {
    errors.push(INVALID_POLICY_MESSAGE);
  }
  const seen = new Map<string, string>();
  for (const [policy, list] of Object.entries(spec.existingResourcePolicyOverrides ?? {})) {
    if (!isExistingResourcePolicy(policy)) {
      errors.push(
        `existingResourcePolicyOverrides has invalid policy "${policy}": use ${EXISTING_RESOURCE_POLICIES.join(", ")}`,
      );
      continue;
    }
    for (const name of list?.includedResources ?? []) {
      const gr = canonical(name);
      const earlier = seen.get(gr);
      if (earlier !== undefined) {
        errors.push(
          `existing resource policy override names ${gr} twice (${earlier} and ${policy}): give each resource one policy`,
        );
      }
      seen.set(gr, policy);
    }
  }
  return errors;
}

/** `--existing-resource-policy-override RESOURCE=POLICY`, repeated, as the spec's overrides. */
export function parsePolicyOverrides(
  flags: string[],
): NonNullable<RestoreSpec["existingResourcePolicyOverrides"]> {
  const overrides: NonNullable<RestoreSpec["existingResourcePolicyOverrides"]> = {};
  for (const flag of flags) {
    const at = flag.lastIndexOf("=");
    const resource = flag.slice(0, at).trim();
    const policy = flag.slice(at + 1).trim();
    if (at < 0 || !resource) {
      throw new Error(
        `--existing-resource-policy-override "${flag}" is not RESOURCE=POLICY, e.g. secrets=none or deployments.apps=recreate`,
      );
    }
    if (!isExistingResourcePolicy(policy)) {
      throw new Error(`--existing-resource-policy-override "${flag}": ${INVALID_POLICY_MESSAGE}`);
    }
    (overrides[policy] ??= { includedResources: [] }).includedResources!.push(resource);
  }
  return overrides;
}
