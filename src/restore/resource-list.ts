import { once } from "node:events";
import { createReadStream, createWriteStream, promises as fs } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { goEscape } from "../encoding/gzip-json.js";
import { makeWorkDir } from "../workdirs/work-dirs.js";

const FLUSH_LINES = 1000;

/**
 * A restore's resource list (`{"<apiVersion>/<Kind>": ["ns/name(outcome)", ...]}`), kept in a
 * temporary file as the restore goes, so memory holds one kind's items at most. Written out gzipped
 * at the end as Velero writes it: kinds in order, each kind's items sorted, with one pass over the
 * file per kind (kinds are few).
 */
export class ResourceListFile {
  #pending: string[] = [];
  readonly #kinds = new Set<string>();
  #writing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly dir: string,
    private readonly file: string,
  ) {}

  static async create(): Promise<ResourceListFile> {
    const dir = await makeWorkDir("resource-list");
    const file = path.join(dir, "items.ndjson");
    await fs.writeFile(file, "");
    return new ResourceListFile(dir, file);
  }

  add(kind: string, entry: string): void {
    this.#kinds.add(kind);
    this.#pending.push(JSON.stringify([kind, entry]));
    if (this.#pending.length >= FLUSH_LINES) void this.#flush();
  }

  /** The whole list, gzipped, in a file of its own; returns its path. */
  async gzippedFile(): Promise<string> {
    await this.#flush();
    const target = path.join(this.dir, "resource-list.json.gz");
    const gzip = createGzip();
    const done = pipeline(gzip, createWriteStream(target));
    const write = async (text: string) => {
      if (!gzip.write(text)) await once(gzip, "drain");
    };
    let sep = "{";
    for (const kind of [...this.#kinds].sort()) {
      const entries: string[] = [];
      for await (const line of createInterface({ input: createReadStream(this.file), crlfDelay: Infinity })) {
        const [k, entry] = JSON.parse(line) as [string, string];
        if (k === kind) entries.push(entry);
      }
      await write(`${sep}${goEscape(JSON.stringify(kind))}:${goEscape(JSON.stringify(entries.sort()))}`);
      sep = ",";
    }
    gzip.end(sep === "{" ? "{}\n" : "}\n");
    await done;
    return target;
  }

  async remove(): Promise<void> {
    await this.#writing.catch(() => undefined);
    await fs.rm(this.dir, { recursive: true, force: true });
  }

  #flush(): Promise<void> {
    if (this.#pending.length === 0) return this.#writing;
    const text = this.#pending.join("\n") + "\n";
    this.#pending = [];
    this.#writing = this.#writing.then(() => fs.appendFile(this.file, text));
    return this.#writing;
  }
}
