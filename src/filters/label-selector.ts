import type { V1LabelSelector, V1LabelSelectorRequirement } from "@kubernetes/client-node";

/**
 * Label selectors as kubectl and Velero's CLI write them (`app=web,tier in (a,b),!legacy`),
 * parsed into the V1LabelSelector a Backup or Restore spec carries, matched, and printed back.
 */

/** Identifiers never contain a symbol's characters or spaces, so a token's text alone tells symbols apart. */
type Token = { kind: "identifier" | "symbol"; text: string } | { kind: "end"; text: "end of string" };

const SYMBOLS = ["!=", "==", "=", "!", "(", ")", ",", ">", "<"];
const WHITESPACE = /\s/;
/** Whitespace or a character of a symbol. */
const IDENTIFIER_END = /[\s=!(),<>]/;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    if (WHITESPACE.test(text[i]!)) {
      i++;
      continue;
    }
    const symbol = SYMBOLS.find((candidate) => text.startsWith(candidate, i));
    if (symbol) {
      tokens.push({ kind: "symbol", text: symbol });
      i += symbol.length;
      continue;
    }
    let end = i;
    while (end < text.length && !IDENTIFIER_END.test(text[end]!)) end++;
    tokens.push({ kind: "identifier", text: text.slice(i, end) });
    i = end;
  }
  tokens.push({ kind: "end", text: "end of string" });
  return tokens;
}

const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const NAME_RULE =
  "alphanumeric characters, '-', '_' or '.', starting and ending with an alphanumeric character";

/** Why a label key breaks Kubernetes' rules (an optional DNS-subdomain prefix and '/', then a name). */
function labelKeyProblem(key: string): string | undefined {
  const slash = key.indexOf("/");
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    return `invalid label key "${key}": the prefix must be a lowercase DNS subdomain of at most 253 characters`;
  }
  if (name.length === 0 || name.length > 63 || !LABEL_NAME.test(name)) {
    return `invalid label key "${key}": the name must be 1 to 63 ${NAME_RULE}`;
  }
  return undefined;
}

function labelValueProblem(value: string): string | undefined {
  if (value === "" || (value.length <= 63 && LABEL_NAME.test(value))) return undefined;
  return `invalid label value "${value}": it must be empty or 1 to 63 ${NAME_RULE}`;
}

/** A recursive-descent parser over the token list; every error names what it found and what it wanted. */
class SelectorParser {
  #position = 0;
  readonly matchLabels = new Map<string, string>();
  readonly matchExpressions: V1LabelSelectorRequirement[] = [];

  constructor(private readonly tokens: Token[]) {}

  parse(): void {
    if (this.#peek().kind === "end") return;
    for (;;) {
      this.#requirement();
      const next = this.#take();
      if (next.kind === "end") return;
      if (next.text !== ",") throw new Error(`found '${next.text}', expected: ',' or end of string`);
    }
  }

  #peek(): Token {
    return this.tokens[this.#position]!;
  }

  #take(): Token {
    const token = this.#peek();
    if (token.kind !== "end") this.#position++;
    return token;
  }

  #key(): string {
    const token = this.#take();
    if (token.kind !== "identifier") throw new Error(`found '${token.text}', expected: label key`);
    const problem = labelKeyProblem(token.text);
    if (problem) throw new Error(problem);
    return token.text;
  }

  /** A value, or "" when the value is left out (`a=`, or an empty slot in a list). */
  #value(): string {
    const token = this.#peek();
    if (token.kind !== "identifier") return "";
    this.#take();
    const problem = labelValueProblem(token.text);
    if (problem) throw new Error(problem);
    return token.text;
  }

  #requirement(): void {
    if (this.#peek().text === "!") {
      this.#take();
      this.matchExpressions.push({ key: this.#key(), operator: "DoesNotExist" });
      return;
    }
    const key = this.#key();
    const next = this.#peek();
    if (next.kind === "end" || next.text === ",") {
      this.matchExpressions.push({ key, operator: "Exists" });
      return;
    }
    const operator = this.#take();
    if (operator.text === "=" || operator.text === "==") {
      this.#equals(key, this.#value());
    } else if (operator.text === "!=") {
      this.matchExpressions.push({ key, operator: "NotIn", values: [this.#value()] });
    } else if (operator.kind === "identifier" && (operator.text === "in" || operator.text === "notin")) {
      this.matchExpressions.push({
        key,
        operator: operator.text === "in" ? "In" : "NotIn",
        values: this.#list(),
      });
    } else if (operator.text === ">" || operator.text === "<") {
      throw new Error(`'${operator.text}' isn't supported in label selectors`);
    } else {
      throw new Error(`found '${operator.text}', expected: in, notin, =, ==, !=`);
    }
  }

  /** A repeated key with another value must still match neither (`a=b,a=c`), so it becomes `a in (c)`. */
  #equals(key: string, value: string): void {
    const existing = this.matchLabels.get(key);
    if (existing === undefined) this.matchLabels.set(key, value);
    else if (existing !== value) this.matchExpressions.push({ key, operator: "In", values: [value] });
  }

  /** `(x,y)`; `()` is one empty value, as in Kubernetes. */
  #list(): string[] {
    const open = this.#take();
    if (open.text !== "(") throw new Error(`found '${open.text}', expected: '('`);
    const values = new Set<string>([this.#value()]);
    for (let next = this.#take(); next.text !== ")"; next = this.#take()) {
      if (next.text !== ",") throw new Error(`found '${next.text}', expected: ',' or ')'`);
      values.add(this.#value());
    }
    return [...values].sort();
  }
}

/** Parses kubectl's selector syntax; throws `invalid selector "<text>": <problem>`. */
export function parseLabelSelector(text: string): V1LabelSelector {
  const parser = new SelectorParser(tokenize(text));
  try {
    parser.parse();
  } catch (error) {
    throw new Error(`invalid selector "${text}": ${(error as Error).message}`, { cause: error });
  }
  const { matchLabels, matchExpressions } = parser;
  return {
    ...(matchLabels.size > 0 ? { matchLabels: Object.fromEntries(matchLabels) } : {}),
    ...(matchExpressions.length > 0 ? { matchExpressions } : {}),
  };
}

function requirementMatches(
  labels: Record<string, string>,
  requirement: V1LabelSelectorRequirement,
): boolean {
  const has = Object.hasOwn(labels, requirement.key);
  const listed = has && (requirement.values ?? []).includes(labels[requirement.key]!);
  switch (requirement.operator) {
    case "In":
      return listed;
    case "NotIn":
      return !listed;
    case "Exists":
      return has;
    case "DoesNotExist":
      return !has;
    default:
      throw new Error(
        `invalid label selector operator "${requirement.operator}" for key "${requirement.key}"`,
      );
  }
}

/** matchLabels and every matchExpression must hold; an empty selector matches everything. */
export function matchesLabelSelector(
  labels: Record<string, string> | undefined,
  selector: V1LabelSelector,
): boolean {
  const actual = labels ?? {};
  const exact = Object.entries(selector.matchLabels ?? {});
  return (
    exact.every(([key, value]) => Object.hasOwn(actual, key) && actual[key] === value) &&
    (selector.matchExpressions ?? []).every((requirement) => requirementMatches(actual, requirement))
  );
}

/**
 * For a spec's orLabelSelectors: true when any selector matches. An empty list places no
 * constraint, as when a spec has no orLabelSelectors.
 */
export function matchesAnyLabelSelector(
  labels: Record<string, string> | undefined,
  selectors: V1LabelSelector[],
): boolean {
  return selectors.length === 0 || selectors.some((selector) => matchesLabelSelector(labels, selector));
}

const FORMATS: Record<string, (key: string, values: string) => string> = {
  In: (key, values) => `${key} in (${values})`,
  NotIn: (key, values) => `${key} notin (${values})`,
  Exists: (key) => key,
  DoesNotExist: (key) => `!${key}`,
};

/** The selector in kubectl's syntax, requirements sorted by key: `app=web,tier in (a,b)`; `<none>` when empty. */
export function formatLabelSelector(selector: V1LabelSelector | undefined): string {
  const parts: { key: string; text: string }[] = Object.entries(selector?.matchLabels ?? {}).map(
    ([key, value]) => ({
      key,
      text: `${key}=${value}`,
    }),
  );
  for (const { key, operator, values } of selector?.matchExpressions ?? []) {
    const format = FORMATS[operator];
    if (!format) return "<error>";
    parts.push({ key, text: format(key, [...(values ?? [])].sort().join(",")) });
  }
  if (parts.length === 0) return "<none>";
  return parts
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((part) => part.text)
    .join(",");
}
