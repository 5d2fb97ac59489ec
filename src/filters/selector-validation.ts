import type { V1LabelSelector } from "@kubernetes/client-node";
import { labelSelectorQuery } from "./selector-query.js";

/** Velero's checks of a spec's labelSelector and orLabelSelectors; `kind` is "backup" or "restore". */
export function validateSelectors(
  spec: { labelSelector?: V1LabelSelector; orLabelSelectors?: V1LabelSelector[] },
  kind: "backup" | "restore",
): string[] {
  const errors: string[] = [];
  if (spec.labelSelector && spec.orLabelSelectors?.length) {
    errors.push(
      `encountered labelSelector as well as orLabelSelectors in ${kind} spec, only one can be specified`,
    );
  }
  for (const selector of [spec.labelSelector, ...(spec.orLabelSelectors ?? [])]) {
    if (!selector) continue;
    try {
      labelSelectorQuery(selector);
    } catch (err) {
      errors.push(`invalid label selector: ${(err as Error).message}`);
    }
  }
  return errors;
}
