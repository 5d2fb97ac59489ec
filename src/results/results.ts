/** Messages of one kind (errors or warnings) sorted into Velero's buckets. */
export interface ResultBuckets {
  velero: string[];
  cluster: string[];
  namespaces: Record<string, string[]>;
}

/** The content of `<backup>-results.gz` and `restore-<r>-results.gz`. */
export interface ResultsFile {
  errors: ResultBuckets;
  warnings: ResultBuckets;
}

export type Scope = { namespace: string } | "cluster" | "velero";

function emptyBuckets(): ResultBuckets {
  return { velero: [], cluster: [], namespaces: {} };
}

function add(buckets: ResultBuckets, scope: Scope, message: string): void {
  if (scope === "velero") buckets.velero.push(message);
  else if (scope === "cluster") buckets.cluster.push(message);
  else (buckets.namespaces[scope.namespace] ??= []).push(message);
}

export function countMessages(buckets: ResultBuckets): number {
  return (
    buckets.velero.length +
    buckets.cluster.length +
    Object.values(buckets.namespaces).reduce((n, list) => n + list.length, 0)
  );
}

/** Collects the errors and warnings of a backup or restore in Velero's results format. */
export class Results {
  readonly file: ResultsFile = { errors: emptyBuckets(), warnings: emptyBuckets() };

  error(scope: Scope, message: string): void {
    add(this.file.errors, scope, message);
  }

  warning(scope: Scope, message: string): void {
    add(this.file.warnings, scope, message);
  }

  get errorCount(): number {
    return countMessages(this.file.errors);
  }

  get warningCount(): number {
    return countMessages(this.file.warnings);
  }
}
