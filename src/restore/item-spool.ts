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
 * An append-only temporary file of item bodies, so a restore can go through a backup's items in
 * its own order (priorities, not archive order) without holding them in memory. Writes are
 * batched; reads see everything appended before them.
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

  #write(chunk: Buffer): Promise<void> {
    this.#flushing = this.#flushing.then(async () => {
      await this.file.write(chunk, 0, chunk.length, this.#flushed);
      this.#flushed += chunk.length;
    });
    return this.#flushing;
  }
}
