import type { RestoreSpec } from "../api/v1/index.js";
import { IncludesExcludes } from "../filters/includes-excludes.js";
import { validateSelectors } from "../filters/selector-validation.js";
import { validateExistingResourcePolicy } from "./existing-policy.js";
import { NEVER_RESTORED } from "./item-rules.js";
import { validateNamespaceMapping } from "./namespace-mapping.js";
import { validateVolumeDataSpec } from "../volumes/data-only-options.js";

/** A reason the restore cannot start, found before anything was written to the cluster. */
export class RestoreValidationError extends Error {
  /** Each reason, for the Restore's validationErrors. */
  readonly errors: string[];

  constructor(message: string, errors?: string[]) {
    super(message);
    this.errors = errors ?? [message];
  }
}

/**
 * Velero's validation of a restore spec, before anything is read or written: every problem,
 * each a sentence that says what to change. `canonical` turns a resource name as the user wrote
 * it (`node`, `no`) into its group-resource (`nodes`) where the cluster is known.
 */
export function validateRestoreSpec(
  spec: RestoreSpec,
  canonical: (name: string) => string = (n) => n,
): string[] {
  const errors: string[] = [];
  if (!spec.backupName === !spec.scheduleName) {
    errors.push("Either a backup or schedule must be specified as a source for the restore, but not both");
  }
  const ns = new IncludesExcludes(spec.includedNamespaces ?? [], spec.excludedNamespaces ?? []);
  errors.push(...ns.validate().map((e) => `Invalid included/excluded namespace lists: ${e}`));
  const res = new IncludesExcludes(spec.includedResources ?? [], spec.excludedResources ?? []);
  errors.push(...res.validate().map((e) => `Invalid included/excluded resource lists: ${e}`));
  for (const name of spec.includedResources ?? []) {
    if (NEVER_RESTORED.has(canonical(name))) errors.push(`${name} are non-restorable resources`);
  }
  errors.push(...validateSelectors(spec, "restore"));
  errors.push(...validateNamespaceMapping(spec.namespaceMapping ?? {}));
  errors.push(...validateExistingResourcePolicy(spec, canonical));
  errors.push(...validateVolumeDataSpec(spec));
  return errors;
}
