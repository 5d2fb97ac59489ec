import { Header, Pax } from "tar";

export const BLOCK_SIZE = 512;
/** A tar archive ends with two zero-filled blocks. */
const END_OF_ARCHIVE_BYTES = 2 * BLOCK_SIZE;
/** zlib works best on large chunks: one thread-pool trip each. */
const CHUNK_BYTES = 1024 * 1024;

/**
 * Builds the bytes of a tar archive of regular files (mode 0644, owner 0:0) in large chunks,
 * writing headers and bodies in place. Backups write two entries for every item, so this is on
 * the hot path: plain ustar headers are encoded here by hand, at a fraction of the tar library's
 * cost; only paths that need pax (non-ASCII, or too long for ustar) go through the library.
 */
export class TarEntries {
  #chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  #used = 0;
  #ready: Buffer[] = [];

  /** Appends one regular-file entry. */
  addFile(path: string, body: string | Buffer, mtime: Date): void {
    const size = typeof body === "string" ? Buffer.byteLength(body) : body.length;
    const padded = Math.ceil(size / BLOCK_SIZE) * BLOCK_SIZE;
    const split = ustarPath(path);
    const paxBlocks = split ? [] : headerWithPax(path, size, mtime);
    const headerBytes = split ? BLOCK_SIZE : paxBlocks.reduce((n, b) => n + b.length, 0);
    const at = this.#reserve(headerBytes + padded);
    if (split) writeUstarHeader(this.#chunk, at, split, size, mtime);
    else Buffer.concat(paxBlocks).copy(this.#chunk, at);
    const bodyAt = at + headerBytes;
    if (typeof body === "string") this.#chunk.write(body, bodyAt, "utf8");
    else body.copy(this.#chunk, bodyAt);
    this.#chunk.fill(0, bodyAt + size, bodyAt + padded);
  }

  /** The chunks that are full, to hand on; each is returned once. */
  takeReady(): Buffer[] {
    const ready = this.#ready;
    this.#ready = [];
    return ready;
  }

  /** Everything not yet taken, with the end-of-archive blocks. */
  end(): Buffer {
    const at = this.#reserve(END_OF_ARCHIVE_BYTES);
    this.#chunk.fill(0, at, at + END_OF_ARCHIVE_BYTES);
    const rest = Buffer.concat([...this.takeReady(), this.#chunk.subarray(0, this.#used)]);
    this.#chunk = Buffer.allocUnsafe(0);
    this.#used = 0;
    return rest;
  }

  /** Room for `bytes` in the current chunk, starting a new one when it is full; returns the offset. */
  #reserve(bytes: number): number {
    if (this.#used + bytes > this.#chunk.length) {
      if (this.#used > 0) this.#ready.push(this.#chunk.subarray(0, this.#used));
      this.#chunk = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, bytes));
      this.#used = 0;
    }
    const at = this.#used;
    this.#used += bytes;
    return at;
  }
}

/** ustar's name and prefix fields for a path, or undefined when the path needs pax. */
function ustarPath(path: string): { name: string; prefix: string } | undefined {
  if (Buffer.byteLength(path) !== path.length) return undefined;
  if (path.length <= 100) return { name: path, prefix: "" };
  const cut = path.indexOf("/", path.length - 101);
  if (cut < 0 || cut > 155 || path.length - cut - 1 > 100) return undefined;
  return { name: path.slice(cut + 1), prefix: path.slice(0, cut) };
}

function writeUstarHeader(
  buf: Buffer,
  at: number,
  path: { name: string; prefix: string },
  size: number,
  mtime: Date,
): void {
  buf.fill(0, at, at + BLOCK_SIZE);
  // The checksum is the sum of the header's bytes, so each write returns the sum of its own.
  const checksum =
    putAscii(buf, at, path.name) +
    putOctal(buf, at + 100, 8, 0o644) +
    putOctal(buf, at + 108, 8, 0) +
    putOctal(buf, at + 116, 8, 0) +
    putOctal(buf, at + 124, 12, size) +
    putOctal(buf, at + 136, 12, Math.floor(mtime.getTime() / 1000)) +
    putAscii(buf, at + 148, "        ") + // the checksum counts its own field as spaces
    putAscii(buf, at + 156, "0") + // a regular file
    putAscii(buf, at + 257, "ustar\u000000") +
    putAscii(buf, at + 345, path.prefix);
  putOctal(buf, at + 148, 7, checksum);
  buf[at + 155] = 0x20; // six digits, NUL, space: the layout GNU tar writes
}

/** Writes ASCII text; returns the sum of its bytes. */
function putAscii(buf: Buffer, at: number, text: string): number {
  let sum = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    buf[at + i] = c;
    sum += c;
  }
  return sum;
}

/** A zero-padded octal number and a NUL, filling `width` bytes; returns the sum of its bytes. */
function putOctal(buf: Buffer, at: number, width: number, value: number): number {
  buf[at + width - 1] = 0;
  return putAscii(buf, at, value.toString(8).padStart(width - 1, "0"));
}

/** The header blocks of an entry whose path needs pax, from the tar library. */
function headerWithPax(path: string, size: number, mtime: Date): Buffer[] {
  const header = new Header({ path, type: "File", mode: 0o644, uid: 0, gid: 0, size, mtime });
  const headerBlock = Buffer.alloc(BLOCK_SIZE);
  return header.encode(headerBlock) ? [new Pax({ path }).encode(), headerBlock] : [headerBlock];
}
