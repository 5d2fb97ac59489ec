import { once } from "node:events";
import type { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip, type Gzip } from "node:zlib";
import {
  ARCHIVE_FORMAT_VERSION,
  METADATA_VERSION_PATH,
  groupResourceOf,
  itemPath,
  preferredVersionItemPath,
} from "./paths.js";
import { TarEntries } from "./tar-entries.js";

export interface ArchiveItem {
  group: string;
  version: string;
  resource: string;
  namespace?: string;
  name: string;
  /** Written as compact JSON. */
  object: unknown;
}

/** Names become path segments: refuse any that would not read back as the same item. */
function assertPathSegment(what: string, value: string): void {
  if (value === "" || value === "." || value === ".." || value.includes("/")) {
    throw new Error(`cannot archive an item with ${what} "${value}"`);
  }
}

/**
 * Writes a Velero backup archive (tar + gzip) to a stream, item by item. Velero reads these
 * archives, so entries are plain ustar (pax for long paths) regular files, without directory entries.
 */
export class BackupArchiveWriter {
  readonly #gzip: Gzip;
  /** Settles when `out` has taken everything (or the pipeline failed). */
  readonly #done: Promise<void>;
  #failure: Error | undefined;
  #ended = false;
  #itemCount = 0;
  readonly #entries = new TarEntries();

  constructor(out: Writable) {
    this.#gzip = createGzip({ level: 1, chunkSize: 64 * 1024 });
    this.#done = pipeline(this.#gzip, out);
    this.#done.catch((error: unknown) => {
      this.#failure ??= error instanceof Error ? error : new Error(String(error));
    });
    this.#entries.addFile(METADATA_VERSION_PATH, `${ARCHIVE_FORMAT_VERSION}\n`, new Date());
  }

  /** How many items were added (each is two archive entries). */
  get itemCount(): number {
    return this.#itemCount;
  }

  /**
   * Writes the item at its path and again under its preferred-version directory: velero-ts backs
   * every item up at its preferred version. Resolves once the stream can take more data.
   */
  async addItem(item: ArchiveItem): Promise<void> {
    if (this.#ended) throw new Error("cannot add an item to a backup archive after finish()");
    const groupResource = groupResourceOf(item.group, item.resource);
    assertPathSegment("resource", groupResource);
    assertPathSegment("version", item.version);
    assertPathSegment("name", item.name);
    const namespace = item.namespace || undefined; // "" is how cluster-scoped objects often say it
    if (namespace !== undefined) assertPathSegment("namespace", namespace);
    const json = JSON.stringify(item.object) as string | undefined;
    if (json === undefined)
      throw new Error(`item ${groupResource} "${item.name}" has no JSON representation`);
    const mtime = new Date();
    this.#entries.addFile(itemPath(groupResource, namespace, item.name), json, mtime);
    this.#entries.addFile(
      preferredVersionItemPath(groupResource, item.version, namespace, item.name),
      json,
      mtime,
    );
    this.#itemCount++;
    await this.#writeReady();
  }

  /** Ends the tar and the gzip stream; resolves when `out` has everything. */
  async finish(): Promise<void> {
    if (!this.#ended) {
      this.#ended = true;
      this.#gzip.end(this.#entries.end());
    }
    await this.#done;
  }

  /** Hands full chunks to gzip, waiting when it asks to. */
  async #writeReady(): Promise<void> {
    if (this.#failure) throw this.#failure;
    for (const chunk of this.#entries.takeReady()) {
      if (!this.#gzip.write(chunk)) await Promise.race([once(this.#gzip, "drain"), this.#done]);
    }
  }
}
