import { promises as fs } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import path from "node:path";
import { makeWorkDir } from "../workdirs/work-dirs.js";

/** Where an item's bytes sit in a spool file. */
export interface SpoolRef {
  offset: number;
  length: number;
}

const FLUSH_BYTES = 1024 * 1024;
/**
 * The first chunks written are kept in memory too, up to this many bytes, and read from there: the
 * items of a small backup are never read back from disk, one request to the thread pool each.
 */
const HELD_BYTES = 16 * 2 ** 20;

/**
 * An append-only temporary file of item bodies, so a restore can go through a backup's items in
 * its own order (priorities, not archive order) without holding them in memory (beyond the first
 * HELD_BYTES). Writes are batched; reads see everything appended before them.
 */
export class ItemSpool {
  /**
   * Appended bytes are copied into this buffer until it is written out. Holding the callers'
   * Buffers instead would pin the 8 KiB pool slabs that small Buffers are cut from.
   */
  #pending = Buffer.allocUnsafeSlow(FLUSH_BYTES);
  #pendingBytes = 0;
  #size = 0;
  #flushed = 0;
  /** Writes run one after another, each at the offset the last one ended. */
  #flushing: Promise<void> = Promise.resolve();
  /** Bytes handed to #write so far: where the next chunk written starts. */
  #queued = 0;
  /** Chunks also held in memory, in offset order, and the memory they hold. */
  readonly #held: { offset: number; chunk: Buffer }[] = [];
  #heldBytes = 0;

  private constructor(
    private readonly dir: string,
    private readonly file: FileHandle,
  ) {}

  static async create(): Promise<ItemSpool> {
    const dir = await makeWorkDir("restore");
    return new ItemSpool(dir, await fs.open(path.join(dir, "items"), "w+"));
  }

  /** Bytes appended so far: the spool's file grows to this. */
  get size(): number {
    return this.#size;
  }

  /** Safe to call concurrently: the bytes are placed before the first await, in call order. */
  async append(body: Buffer): Promise<SpoolRef> {
    const ref = { offset: this.#size, length: body.length };
    this.#size += body.length;
    const flushed = this.#pendingBytes + body.length > FLUSH_BYTES ? this.#flush() : undefined;
    if (body.length >= FLUSH_BYTES) {
      await this.#write(body);
    } else {
      body.copy(this.#pending, this.#pendingBytes);
      this.#pendingBytes += body.length;
      await flushed;
    }
    return ref;
  }

  async read(ref: SpoolRef): Promise<Buffer> {
    const inMemory = this.#fromMemory(ref);
    if (inMemory) return inMemory;
    if (ref.offset + ref.length > this.#flushed) await this.#flush();
    if (ref.offset + ref.length > this.#flushed) await this.#flushing;
    const buffer = Buffer.allocUnsafe(ref.length);
    const { bytesRead } = await this.file.read(buffer, 0, ref.length, ref.offset);
    if (bytesRead !== ref.length) throw new Error(`restore spool: read ${bytesRead} of ${ref.length} bytes`);
    return buffer;
  }

  async remove(): Promise<void> {
    await this.file.close().catch(() => undefined);
    await fs.rm(this.dir, { recursive: true, force: true });
  }

  #flush(): Promise<void> {
    if (this.#pendingBytes === 0) return this.#flushing;
    const chunk = this.#pending.subarray(0, this.#pendingBytes);
    this.#pending = Buffer.allocUnsafeSlow(FLUSH_BYTES);
    this.#pendingBytes = 0;
    return this.#write(chunk);
  }

  /** A copy of the bytes, when they are still pending or in a held chunk. */
  #fromMemory({ offset, length }: SpoolRef): Buffer | undefined {
    const pendingStart = this.#size - this.#pendingBytes;
    if (offset >= pendingStart)
      return Buffer.from(this.#pending.subarray(offset - pendingStart, offset - pendingStart + length));
    // The last held chunk that starts at or before the offset: an item never spans two chunks.
    let [lo, hi] = [0, this.#held.length - 1];
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (this.#held[mid]!.offset <= offset) lo = mid;
      else hi = mid - 1;
    }
    const held = this.#held[lo];
    if (!held || held.offset > offset || offset + length > held.offset + held.chunk.length) return undefined;
    return Buffer.from(held.chunk.subarray(offset - held.offset, offset - held.offset + length));
  }

  #write(chunk: Buffer): Promise<void> {
    // What the chunk pins: a pending chunk is a view of a FLUSH_BYTES buffer.
    const pins = chunk.buffer.byteLength;
    if (this.#heldBytes + pins <= HELD_BYTES) {
      this.#held.push({ offset: this.#queued, chunk });
      this.#heldBytes += pins;
    }
    this.#queued += chunk.length;
    this.#flushing = this.#flushing.then(async () => {
      await this.file.write(chunk, 0, chunk.length, this.#flushed);
      this.#flushed += chunk.length;
    });
    return this.#flushing;
  }
}
