import { once } from "node:events";
import type { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip, type Gzip } from "node:zlib";
import { Header, Pax } from "tar";
import {
  ARCHIVE_FORMAT_VERSION,
  METADATA_VERSION_PATH,
  groupResourceOf,
  itemPath,
  preferredVersionItemPath,
} from "./paths.js";

export interface ArchiveItem {
  group: string;
  version: string;
  resource: string;
  namespace?: string;
  name: string;
  /** Written as compact JSON. */
  object: unknown;
}

const BLOCK_SIZE = 512;
/** A tar archive ends with two zero-filled blocks. */
const END_OF_ARCHIVE = Buffer.alloc(2 * BLOCK_SIZE);

/** The blocks of one regular-file entry: a pax header first when the path does not fit ustar's fields. */
function fileEntryBlocks(path: string, body: Buffer, mtime: Date): Buffer[] {
  const header = new Header({ path, type: "File", mode: 0o644, uid: 0, gid: 0, size: body.length, mtime });
  const headerBlock = Buffer.alloc(BLOCK_SIZE);
  const needsPax = header.encode(headerBlock);
  const blocks = needsPax ? [new Pax({ path }).encode(), headerBlock, body] : [headerBlock, body];
  const padding = (BLOCK_SIZE - (body.length % BLOCK_SIZE)) % BLOCK_SIZE;
  if (padding > 0) blocks.push(Buffer.alloc(padding));
  return blocks;
}

/** Names become path segments: refuse any that would not read back as the same item. */
function assertPathSegment(what: string, value: string): void {
  if (value === "" || value === "." || value === ".." || value.includes("/")) {
    throw new Error(`cannot archive an item with ${what} "${value}"`);
  }
}

const WRITE_CHUNK_BYTES = 256 * 1024;

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
  /** Entries not handed to gzip yet: zlib works best on large chunks, one thread-pool trip each. */
  #pending: Buffer[] = [];
  #pendingBytes = 0;

  constructor(out: Writable) {
    this.#gzip = createGzip();
    this.#done = pipeline(this.#gzip, out);
    this.#done.catch((error: unknown) => {
      this.#failure ??= error instanceof Error ? error : new Error(String(error));
    });
    const version = Buffer.from(`${ARCHIVE_FORMAT_VERSION}\n`);
    this.#gzip.write(Buffer.concat(fileEntryBlocks(METADATA_VERSION_PATH, version, new Date())));
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
    const body = Buffer.from(json);
    const mtime = new Date();
    await this.#write([
      ...fileEntryBlocks(itemPath(groupResource, namespace, item.name), body, mtime),
      ...fileEntryBlocks(
        preferredVersionItemPath(groupResource, item.version, namespace, item.name),
        body,
        mtime,
      ),
    ]);
    this.#itemCount++;
  }

  /** Ends the tar and the gzip stream; resolves when `out` has everything. */
  async finish(): Promise<void> {
    if (!this.#ended) {
      this.#ended = true;
      this.#gzip.end(Buffer.concat([...this.#pending, END_OF_ARCHIVE]));
      this.#pending = [];
    }
    await this.#done;
  }

  async #write(blocks: Buffer[]): Promise<void> {
    if (this.#failure) throw this.#failure;
    for (const b of blocks) this.#pendingBytes += b.length;
    this.#pending.push(...blocks);
    if (this.#pendingBytes < WRITE_CHUNK_BYTES) return;
    const chunk = Buffer.concat(this.#pending);
    this.#pending = [];
    this.#pendingBytes = 0;
    if (!this.#gzip.write(chunk)) await Promise.race([once(this.#gzip, "drain"), this.#done]);
  }
}
