/** `--namespace-mappings src1:dst1,src2:dst2`, and the checks a mapping must pass. */
import { isDnsLabel } from "../api/names.js";

/** Parses the CLI's mapping list; throws with what to change when a pair is malformed. */
export function parseNamespaceMappings(text: string): Record<string, string> {
  return parseMappingList(text, "namespace", "ns1:ns1-copy,ns2:ns2-copy");
}

/** `old:new,...` pairs of the CLI (namespaces, storage classes): throws naming the pair to fix. */
export function parseMappingList(text: string, what: string, example: string): Record<string, string> {
  const mapping: Record<string, string> = {};
  for (const pair of text.split(",")) {
    if (pair.trim() === "") continue;
    const parts = pair.split(":").map((p) => p.trim());
    if (parts.length !== 2 || !parts[0] || !parts[1]) {
      throw new Error(
        `invalid ${what} mapping "${pair}": write each as source:target, separated by commas (${example})`,
      );
    }
    if (parts[0] in mapping) {
      throw new Error(`${what} "${parts[0]}" is mapped twice: give each source ${what} one target`);
    }
    mapping[parts[0]] = parts[1];
  }
  return mapping;
}

/** Every problem with a restore's namespace mapping, each saying what to change. */
export function validateNamespaceMapping(mapping: Record<string, string>): string[] {
  const errors: string[] = [];
  const sourcesOf = new Map<string, string[]>();
  for (const [source, target] of Object.entries(mapping)) {
    if (!source || !target) {
      errors.push(
        `namespace mapping "${source}:${target}" has an empty name: give both a source and a target`,
      );
      continue;
    }
    if (!isDnsLabel(target)) {
      errors.push(
        `namespace mapping target "${target}" is not a valid namespace name: use at most 63 lower-case letters, digits and '-'`,
      );
    }
    sourcesOf.set(target, [...(sourcesOf.get(target) ?? []), source]);
  }
  for (const [target, sources] of sourcesOf) {
    if (sources.length > 1) {
      errors.push(
        `namespaces ${sources.map((s) => `"${s}"`).join(" and ")} are all mapped to "${target}": map each source namespace to its own target`,
      );
    }
  }
  return errors;
}
