import type { V1LabelSelector } from "@kubernetes/client-node";
import { formatLabelSelector } from "./label-selector.js";

/**
 * A structured label selector as the `labelSelector` query parameter of a LIST, or
 * undefined when it selects everything. An invalid requirement throws, naming it.
 */
export function labelSelectorQuery(selector: V1LabelSelector): string | undefined {
  for (const { key, operator, values } of selector.matchExpressions ?? []) {
    const needsValues = operator === "In" || operator === "NotIn";
    if (!["In", "NotIn", "Exists", "DoesNotExist"].includes(operator)) {
      throw new Error(
        `"${operator}" is not a valid label selector operator (key "${key}"): use In, NotIn, Exists or DoesNotExist`,
      );
    }
    if (needsValues && !values?.length)
      throw new Error(`operator ${operator} for key "${key}" needs at least one value`);
    if (!needsValues && values?.length)
      throw new Error(`operator ${operator} for key "${key}" takes no values`);
  }
  const text = formatLabelSelector(selector);
  return text === "<none>" ? undefined : text;
}
