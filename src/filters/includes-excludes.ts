/**
 * Velero's IncludesExcludes: everything in the includes list (all when it is empty or holds `*`)
 * except what the excludes list matches. Items are glob patterns, as Velero matches them:
 * `*` any run of characters, `?` one character, `[abc]`/`[a-z]` one of a set, `[!abc]` none of it.
 */
export class IncludesExcludes {
  readonly includes: readonly string[];
  readonly excludes: readonly string[];
  readonly #includeMatchers: RegExp[];
  readonly #excludeMatchers: RegExp[];

  constructor(includes: string[] = [], excludes: string[] = []) {
    this.includes = [...new Set(includes)];
    this.excludes = [...new Set(excludes)];
    this.#includeMatchers = compileGlobs(this.includes);
    this.#excludeMatchers = compileGlobs(this.excludes);
  }

  /** Excludes win; an empty includes list, or `*`, includes everything else. */
  shouldInclude(value: string): boolean {
    if (this.#excludeMatchers.some((matcher) => matcher.test(value))) return false;
    return (
      this.includes.length === 0 ||
      this.includes.includes("*") ||
      this.#includeMatchers.some((matcher) => matcher.test(value))
    );
  }

  /** True when nothing is filtered out: no excludes and no includes other than `*`. */
  includesEverything(): boolean {
    return this.excludes.length === 0 && this.includes.every((item) => item === "*");
  }

  /** Velero's checks of an includes/excludes pair, plus a check that every pattern can be matched. */
  validate(): string[] {
    return this.#problems(this.excludes.includes("*") ? ["excludes list cannot contain '*'"] : []);
  }

  /**
   * Velero's checks of a scoped pair (backups' cluster- and namespace-scoped resource filters),
   * where excludes may be `*` alone, meaning none of that scope.
   */
  validateScoped(): string[] {
    const errors: string[] = [];
    if (this.excludes.length > 1 && this.excludes.includes("*")) {
      errors.push("excludes list must either contain '*' only, or a non-empty list of items");
    }
    if (this.includes.length > 0 && this.excludes.includes("*")) {
      errors.push("when exclude is '*', include cannot have value");
    }
    return this.#problems(errors);
  }

  /** The checks both forms share, after the form's own. */
  #problems(own: string[]): string[] {
    const errors: string[] = [];
    if (this.includes.length > 1 && this.includes.includes("*")) {
      errors.push("includes list must either contain '*' only, or a non-empty list of items");
    }
    errors.push(...own);
    for (const item of [...this.excludes].sort()) {
      if (this.includes.includes(item)) {
        errors.push(`excludes list cannot contain an item in the includes list: ${item}`);
      }
    }
    for (const pattern of [...this.includes, ...this.excludes]) {
      const glob = compileGlob(pattern);
      if (typeof glob === "string") errors.push(`invalid pattern "${pattern}": ${glob}`);
    }
    return errors;
  }
}

/** A pattern that cannot be compiled matches nothing; validate() reports it. */
function compileGlobs(patterns: readonly string[]): RegExp[] {
  return patterns.map(compileGlob).filter((glob) => glob instanceof RegExp);
}

/** The glob as an anchored RegExp, or why it cannot be one. */
function compileGlob(pattern: string): RegExp | string {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === "*") source += ".*";
    else if (char === "?") source += ".";
    else if (char === "]") return "unmatched closing bracket ']'";
    else if (char === "[") {
      const close = pattern.indexOf("]", i + 1);
      if (close < 0) return "unclosed bracket '['";
      // `[!a-z]` is a negated set, as in the glob library Velero uses.
      const negated = pattern[i + 1] === "!";
      const set = pattern.slice(negated ? i + 2 : i + 1, close);
      if (set === "") return "empty bracket pattern '[]'";
      source += `[${negated ? "^" : ""}${set.replace(/[\\^]/g, "\\$&")}]`;
      i = close;
    } else source += char.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  try {
    return new RegExp(`^${source}$`, "s");
  } catch {
    return "invalid character range";
  }
}
