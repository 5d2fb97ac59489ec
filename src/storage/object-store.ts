import type { Readable } from "node:stream";

/**
 * One bucket of an object store. Keys are relative to the bucket; the backup-store prefix is
 * applied by BackupStore, never by a driver.
 */
export interface ObjectStore {
  /** Writes the whole object; a reader never sees half of it. */
  putObject(key: string, body: Readable | Buffer | string): Promise<void>;
  /** Throws ObjectNotFoundError when the key does not exist. */
  getObject(key: string): Promise<Readable>;
  objectExists(key: string): Promise<boolean>;
  /**
   * Like S3 ListObjectsV2 with a delimiter: the distinct prefixes right under `prefix` up to and
   * including `delimiter`, e.g. listCommonPrefixes("backups/", "/") -> ["backups/b1/", "backups/b2/"].
   */
  listCommonPrefixes(prefix: string, delimiter: string): Promise<string[]>;
  /** Every key starting with prefix (all pages). */
  listObjects(prefix: string): Promise<string[]>;
  /** Deleting a key that does not exist is not an error. */
  deleteObject(key: string): Promise<void>;
  /** A URL that GETs the object without credentials until ttlMs from now; absent where a store cannot sign. */
  signedUrl?(key: string, ttlMs: number): Promise<string>;
}

export class ObjectNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`object "${key}" not found`);
    this.name = "ObjectNotFoundError";
  }
}

/** The distinct common prefixes of `keys` under `prefix`, sorted; for drivers without a native listing. */
export function commonPrefixesOf(keys: Iterable<string>, prefix: string, delimiter: string): string[] {
  if (!delimiter) throw new Error("listing common prefixes needs a non-empty delimiter");
  const found = new Set<string>();
  for (const key of keys) {
    if (!key.startsWith(prefix)) continue;
    const at = key.indexOf(delimiter, prefix.length);
    if (at >= 0) found.add(key.slice(0, at + delimiter.length));
  }
  return [...found].sort();
}
