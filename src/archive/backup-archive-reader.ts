import { pipeline, Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { Parser, type ReadEntry } from "tar";
import { METADATA_VERSION_PATH, parseItemPath } from "./paths.js";

export interface ArchiveEntry {
  /** The entry's path in the archive (without a leading `./`). */
  path: string;
  groupResource: string;
  namespace?: string;
  name: string;
  /** e.g. `v1` when the entry is under `<version>-preferredversion`; undefined for the top-level copy. */
  preferredVersion?: string;
  data: Buffer;
}

export interface ReadBackupArchiveOptions {
  /** The largest entry read into memory; a bigger one is refused. Default 32 MiB. */
  maxEntryBytes?: number;
  /** The most bytes the whole archive may decompress to (the tar stream, headers and all). Default: no bound. */
  maxTotalBytes?: number;
  /** Called with the content of `metadata/version` (e.g. `1.1.0`), which Velero writes first. */
  onFormatVersion?: (version: string) => void;
  /** Skip, unread, each item's copy under its preferred-version directory (a restore takes the top-level one). */
  topLevelOnly?: boolean;
}

export const DEFAULT_MAX_ENTRY_BYTES = 32 * 1024 * 1024;

/** An archive entry that could write outside a restore's reach or exhaust memory if trusted. */
export class UnsafeArchiveEntryError extends Error {
  constructor(
    readonly entryPath: string,
    reason: string,
  ) {
    super(`unsafe entry "${entryPath}" in backup archive: ${reason}`);
    this.name = "UnsafeArchiveEntryError";
  }
}

/** Input is fed to the parser in slices this big, so one chunk never decompresses into a pile of entries. */
const FEED_BYTES = 16 * 1024;
const REGULAR_FILE_TYPES = new Set(["File", "OldFile", "ContiguousFile"]);
const DIRECTORY_TYPES = new Set(["Directory", "GNUDumpDir"]);

/** Why an entry's path or type is unsafe, or undefined when it is neither. */
function unsafeReason(entry: ReadEntry): string | undefined {
  const path = entry.path;
  if (path.startsWith("/") || path.startsWith("\\") || /^[A-Za-z]:/.test(path)) return "absolute path";
  if (path.split(/[/\\]/).includes("..")) return "'..' in path";
  if (entry.type === "Link" || entry.type === "SymbolicLink") return "link entries are not allowed";
  if (!REGULAR_FILE_TYPES.has(entry.type) && !DIRECTORY_TYPES.has(entry.type)) return "not a regular file";
  return undefined;
}

/** An archive bigger than the reader's bounds: one entry, or the whole decompressed stream. */
export class ArchiveLimitError extends Error {
  constructor(
    readonly limit: "entry" | "total",
    readonly limitBytes: number,
    /** The entry over the limit, with its size; undefined when the whole archive is. */
    readonly entry?: { path: string; bytes: number },
  ) {
    super(
      entry
        ? `entry "${entry.path}" in backup archive: ${sizeReason(entry.bytes, limitBytes)}`
        : `backup archive decompresses to more than ${limitBytes} bytes`,
    );
    this.name = "ArchiveLimitError";
  }
}

function sizeReason(size: number, limit: number): string {
  return `entry of ${size} bytes is over the limit of ${limit} bytes`;
}

/**
 * Reads a Velero backup archive (tar.gz, or plain tar) from a stream and yields its items one at
 * a time as the stream is read; nothing is ever written to disk. The whole archive is refused,
 * with an UnsafeArchiveEntryError naming the entry, at the first entry that has an absolute path,
 * a `..` segment, is a link or anything but a regular file or directory, or is a kept entry over
 * `maxEntryBytes` (the items before it have been yielded by then). A damaged or foreign stream
 * fails with "cannot read backup archive: ...". Directory entries, and paths that are not items
 * under `resources/` (see parseItemPath), are skipped; `metadata/version` goes to
 * `onFormatVersion`. Each item appears twice in a Velero archive: once at the top level and once
 * under its preferred-version directory.
 */
export async function* readBackupArchive(
  input: Readable,
  options: ReadBackupArchiveOptions = {},
): AsyncGenerator<ArchiveEntry, void, undefined> {
  const maxEntryBytes = options.maxEntryBytes ?? DEFAULT_MAX_ENTRY_BYTES;
  const maxTotalBytes = options.maxTotalBytes ?? Infinity;
  const parser = new Parser({ strict: true });
  const ready: ArchiveEntry[] = [];
  let failure: Error | undefined;
  let parserDone!: () => void;
  const parsed = new Promise<void>((resolve) => (parserDone = resolve));

  const fail = (error: Error): void => {
    if (failure) return;
    failure = error;
    // Stop decompressing; the error abort() emits comes back to the handler below and is ignored.
    parser.abort(new Error("backup archive reading stopped"));
    parserDone();
  };
  parser.on("error", (error: Error) =>
    fail(new Error(`cannot read backup archive: ${error.message}`, { cause: error })),
  );
  parser.on("end", () => parserDone());
  // Entries tar itself skips: unknown types, and pax headers over its own size limit.
  parser.on("ignoredEntry", (entry: ReadEntry) => {
    const reason = entry.meta
      ? sizeReason(entry.size, parser.maxMetaEntrySize)
      : (unsafeReason(entry) ?? "not a regular file");
    fail(new UnsafeArchiveEntryError(entry.path, reason));
  });
  parser.on("entry", (entry: ReadEntry) => {
    if (failure) return void entry.resume();
    const reason = unsafeReason(entry);
    if (reason) return fail(new UnsafeArchiveEntryError(entry.path, reason));
    const path = entry.path.replace(/^(\.\/)+/, "");
    const isVersion = path === METADATA_VERSION_PATH;
    const location = DIRECTORY_TYPES.has(entry.type) || isVersion ? undefined : parseItemPath(path);
    if (!isVersion && !location) return void entry.resume();
    if (options.topLevelOnly && location?.preferredVersion !== undefined) return void entry.resume();
    if (entry.size > maxEntryBytes) {
      return fail(new ArchiveLimitError("entry", maxEntryBytes, { path: entry.path, bytes: entry.size }));
    }
    const chunks: Buffer[] = [];
    entry.on("data", (chunk: Buffer) => chunks.push(chunk));
    entry.on("end", () => {
      const data = Buffer.concat(chunks);
      if (location) ready.push({ path, ...location, data });
      else options.onFormatVersion?.(data.toString("utf8").trim());
    });
  });

  // Entries read before a failure are yielded first, so the error always comes at the bad entry.
  function* takeReady(): Generator<ArchiveEntry> {
    for (let entry = ready.shift(); entry; entry = ready.shift()) yield entry;
    if (failure) throw failure;
  }

  let total = 0;
  try {
    for await (const bytes of tarBytes(input)) {
      total += bytes.length;
      if (total > maxTotalBytes) fail(new ArchiveLimitError("total", maxTotalBytes));
      for (let offset = 0; offset < bytes.length && !failure; offset += FEED_BYTES) {
        parser.write(bytes.subarray(offset, offset + FEED_BYTES));
        yield* takeReady();
      }
      yield* takeReady();
    }
  } catch (err) {
    if (err === failure) throw err;
    fail(new Error(`cannot read backup archive: ${(err as Error).message}`, { cause: err }));
    yield* takeReady();
  }
  parser.end();
  await parsed;
  yield* takeReady();
}

/**
 * The archive's tar bytes: gunzipped here when the stream is gzip (rather than by the tar parser),
 * so that every decompressed byte is counted against the archive's bound.
 */
async function* tarBytes(input: Readable): AsyncGenerator<Buffer> {
  const chunks = (input as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  while (head.length < GZIP_MAGIC.length) {
    const next = await chunks.next();
    if (next.done) break;
    head = Buffer.concat([head, toBuffer(next.value)]);
  }
  async function* all(): AsyncGenerator<Buffer> {
    if (head.length) yield head;
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield toBuffer(next.value);
  }
  if (!head.subarray(0, GZIP_MAGIC.length).equals(GZIP_MAGIC)) {
    yield* all();
    return;
  }
  const gunzip = pipeline(Readable.from(all()), createGunzip(), () => undefined);
  for await (const chunk of gunzip as AsyncIterable<Buffer>) yield chunk;
}

const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);

function toBuffer(chunk: Buffer | string): Buffer {
  return typeof chunk === "string" ? Buffer.from(chunk) : chunk;
}
