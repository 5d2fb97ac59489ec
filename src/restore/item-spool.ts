import { promises as fs } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import path from "node:path";
import { makeWorkDir } from "../workdirs/work-dirs.js";

/** Where an item's bytes sit in a spool. */
export interface SpoolRef {
  offset: number;
  length: number;
}

const FLUSH_BYTES = 1024 * 1024;
/**
 * The spool's first bytes stay in memory: most restores are of a few namespaces, whose items then
 * never touch the disk, and reading one back costs a copy instead of a round trip to the thread
 * pool (which a restore's planning waits on item by item, on a machine the cluster keeps busy).
 */
const MEMORY_BYTES = 4 * 2 ** 20;

/**
 * An append-only store of item bodies, so a restore can go through a backup's items in its own
 * order (priorities, not archive order) without holding a large backup in memory: the first
 * bytes are held in memory (up to `memoryBytes`), the rest go to a temporary file, made only then.
 * Writes are batched; reads see everything appended before them.
 */
export class ItemSpool {
  /** The in-memory head, grown by doubling up to memoryBytes; frozen once the file is started. */
  #memory = Buffer.allocUnsafeSlow(64 * 1024);
  /** The spool's bytes from here on are the file's: its byte 0 is the spool's byte #memoryUsed. */
  #memoryUsed = 0;
  /**
   * Appended bytes bound for the file are copied into this buffer until it is written out.
   * Holding the callers' Buffers instead would pin the 8 KiB pool slabs that small Buffers are cut from.
   */
  #pending = Buffer.allocUnsafeSlow(FLUSH_BYTES);
  #pendingBytes = 0;
  #size = 0;
  /** Bytes written to the file so far. */
  #flushed = 0;
  /** Writes run one after another, each at the offset the last one ended. */
  #flushing: Promise<void> = Promise.resolve();
  #disk?: Promise<{ dir: string; file: FileHandle }>;

  private constructor(private readonly memoryBytes: number) {}

  static create(options: { memoryBytes?: number } = {}): Promise<ItemSpool> {
    return Promise.resolve(new ItemSpool(options.memoryBytes ?? MEMORY_BYTES));
  }

  /** Bytes appended so far. */
  get size(): number {
    return this.#size;
  }

  /** Bytes written to the spool's file so far (none while the spool fits in memory). */
  get fileBytes(): number {
    return this.#size - this.#memoryUsed;
  }

  /** Safe to call concurrently: the bytes are placed before the first await, in call order. */
  async append(body: Buffer): Promise<SpoolRef> {
    const ref = { offset: this.#size, length: body.length };
    const started = this.#size > this.#memoryUsed; // the file: everything after goes there too
    this.#size += body.length;
    if (!started && this.#size <= this.memoryBytes) {
      this.#hold(body);
      return ref;
    }
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
    const buffer = Buffer.allocUnsafe(ref.length);
    if (ref.offset + ref.length <= this.#memoryUsed) {
      this.#memory.copy(buffer, 0, ref.offset, ref.offset + ref.length);
      return buffer;
    }
    const at = ref.offset - this.#memoryUsed;
    if (at + ref.length > this.#flushed) await this.#flush();
    if (at + ref.length > this.#flushed) await this.#flushing;
    const { file } = await this.#disk!;
    const { bytesRead } = await file.read(buffer, 0, ref.length, at);
    if (bytesRead !== ref.length) throw new Error(`restore spool: read ${bytesRead} of ${ref.length} bytes`);
    return buffer;
  }

  async remove(): Promise<void> {
    this.#memory = Buffer.alloc(0);
    const disk = await this.#disk?.catch(() => undefined);
    if (!disk) return;
    await disk.file.close().catch(() => undefined);
    await fs.rm(disk.dir, { recursive: true, force: true });
  }

  #hold(body: Buffer): void {
    if (this.#memoryUsed + body.length > this.#memory.length) {
      let capacity = this.#memory.length;
      while (capacity < this.#memoryUsed + body.length) capacity *= 2;
      const grown = Buffer.allocUnsafeSlow(Math.min(capacity, this.memoryBytes));
      this.#memory.copy(grown, 0, 0, this.#memoryUsed);
      this.#memory = grown;
    }
    body.copy(this.#memory, this.#memoryUsed);
    this.#memoryUsed += body.length;
  }

  #flush(): Promise<void> {
    if (this.#pendingBytes === 0) return this.#flushing;
    const chunk = this.#pending.subarray(0, this.#pendingBytes);
    this.#pending = Buffer.allocUnsafeSlow(FLUSH_BYTES);
    this.#pendingBytes = 0;
    return this.#write(chunk);
  }

  #write(chunk: Buffer): Promise<void> {
    this.#disk ??= makeWorkDir("restore").then(async (dir) => ({
      dir,
      file: await fs.open(path.join(dir, "items"), "w+"),
    }));
    const disk = this.#disk;
    this.#flushing = this.#flushing.then(async () => {
      const { file } = await disk;
      await file.write(chunk, 0, chunk.length, this.#flushed);
      this.#flushed += chunk.length;
    });
    return this.#flushing;
  }
}
