/** Messages of one kind (errors or warnings) sorted into Velero's buckets; an empty bucket is left out, as Velero's omitempty does. */
export interface ResultBuckets {
  velero?: string[];
  cluster?: string[];
  namespaces?: Record<string, string[]>;
}

/** The content of `<backup>-results.gz` and `restore-<r>-results.gz`. */
export interface ResultsFile {
  errors: ResultBuckets;
  warnings: ResultBuckets;
}

export type Scope = { namespace: string } | "cluster" | "velero";

function add(buckets: ResultBuckets, scope: Scope, message: string): void {
  if (scope === "velero") (buckets.velero ??= []).push(message);
  else if (scope === "cluster") (buckets.cluster ??= []).push(message);
  else ((buckets.namespaces ??= {})[scope.namespace] ??= []).push(message);
}

export function countMessages(buckets: ResultBuckets): number {
  return (
    (buckets.velero?.length ?? 0) +
    (buckets.cluster?.length ?? 0) +
    Object.values(buckets.namespaces ?? {}).reduce((n, list) => n + list.length, 0)
  );
}

/** Buckets as Go encodes Velero's Result: fields in its order, namespaces sorted as Go sorts map keys. */
function encoded({ velero, cluster, namespaces }: ResultBuckets): ResultBuckets {
  return {
    ...(velero ? { velero } : {}),
    ...(cluster ? { cluster } : {}),
    ...(namespaces ? { namespaces: Object.fromEntries(Object.entries(namespaces).sort(byKey)) } : {}),
  };
}

const byKey = ([a]: [string, unknown], [b]: [string, unknown]) => (a < b ? -1 : a > b ? 1 : 0);

/** Collects the errors and warnings of a backup or restore in Velero's results format. */
export class Results {
  readonly #errors: ResultBuckets = {};
  readonly #warnings: ResultBuckets = {};

  /** The content of the results file. */
  get file(): ResultsFile {
    return { errors: encoded(this.#errors), warnings: encoded(this.#warnings) };
  }

  error(scope: Scope, message: string): void {
    add(this.#errors, scope, message);
  }

  warning(scope: Scope, message: string): void {
    add(this.#warnings, scope, message);
  }

  get errorCount(): number {
    return countMessages(this.#errors);
  }

  get warningCount(): number {
    return countMessages(this.#warnings);
  }
}
