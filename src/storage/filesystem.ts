import { randomUUID } from "node:crypto";
import { promises as fs, createWriteStream } from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { ObjectNotFoundError, commonPrefixesOf, type ObjectStore } from "./object-store.js";

// In-flight writes live next to their object under this name, and are never listed.
const TEMP_MARKER = ".velero-ts-tmp-";

/** An object store over a local directory: the object `a/b` is the file `<root>/a/b`. */
export class FilesystemObjectStore implements ObjectStore {
  private readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  async putObject(key: string, body: Readable | Buffer | string): Promise<void> {
    const file = this.fileOf(key);
    const temp = path.join(path.dirname(file), `${TEMP_MARKER}${randomUUID()}`);
    await this.createTempFile(temp);
    try {
      // flush: the data is on disk before the rename makes it visible, even across a power loss.
      if (body instanceof Readable) await pipeline(body, createWriteStream(temp, { flush: true }));
      else await fs.writeFile(temp, body, { flush: true });
      await fs.rename(temp, file);
    } catch (err) {
      await fs.rm(temp, { force: true });
      throw err;
    }
  }

  async getObject(key: string): Promise<Readable> {
    let handle: fs.FileHandle;
    try {
      // Opened before returning, so a missing key fails here and a later overwrite is not seen.
      handle = await fs.open(this.fileOf(key), "r");
    } catch (err) {
      if (isCode(err, "ENOENT", "ENOTDIR")) throw new ObjectNotFoundError(key);
      throw err;
    }
    if (!(await handle.stat()).isFile()) {
      await handle.close();
      throw new ObjectNotFoundError(key);
    }
    return handle.createReadStream();
  }

  async objectExists(key: string): Promise<boolean> {
    try {
      return (await fs.stat(this.fileOf(key))).isFile();
    } catch (err) {
      if (isCode(err, "ENOENT", "ENOTDIR")) return false;
      throw err;
    }
  }

  async listCommonPrefixes(prefix: string, delimiter: string): Promise<string[]> {
    if (delimiter !== "/") return commonPrefixesOf(await this.listObjects(prefix), prefix, delimiter);
    // With "/" the prefixes are the subdirectories that hold an object: no walk of whole trees.
    const { dirKey, namePrefix } = this.splitPrefix(prefix);
    const found: string[] = [];
    for (const entry of await this.readDir(dirKey)) {
      if (!entry.isDirectory() || !entry.name.startsWith(namePrefix)) continue;
      const subdir = `${dirKey}${entry.name}/`;
      if (await this.holdsObject(subdir)) found.push(subdir);
    }
    return found.sort();
  }

  async listObjects(prefix: string): Promise<string[]> {
    const { dirKey } = this.splitPrefix(prefix);
    const keys: string[] = [];
    for await (const key of this.walk(dirKey)) if (key.startsWith(prefix)) keys.push(key);
    return keys.sort();
  }

  async deleteObject(key: string): Promise<void> {
    const file = this.fileOf(key);
    try {
      await fs.unlink(file);
    } catch (err) {
      if (isCode(err, "ENOENT", "ENOTDIR", "EISDIR")) return;
      throw err;
    }
    // Remove the directories the delete emptied, as a bucket has no empty "directories".
    for (let dir = path.dirname(file); dir !== this.root; dir = path.dirname(dir)) {
      try {
        await fs.rmdir(dir);
      } catch (err) {
        if (isCode(err, "ENOTEMPTY", "EEXIST", "ENOENT")) return;
        throw err;
      }
    }
  }

  private async holdsObject(dirKey: string): Promise<boolean> {
    const objects = this.walk(dirKey);
    const first = await objects.next();
    await objects.return(undefined);
    return !first.done;
  }

  /** Creates the empty temp file and its directories; retried as a concurrent delete may remove them. */
  private async createTempFile(temp: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      await fs.mkdir(path.dirname(temp), { recursive: true });
      try {
        await fs.writeFile(temp, "", { flag: "wx" });
        return;
      } catch (err) {
        if (!isCode(err, "ENOENT") || attempt === 3) throw err;
      }
    }
  }

  /** Keys of every object under the directory key `dirKey` ("" or ending in "/"). */
  private async *walk(dirKey: string): AsyncGenerator<string> {
    for (const entry of await this.readDir(dirKey)) {
      if (entry.name.startsWith(TEMP_MARKER)) continue;
      if (entry.isDirectory()) yield* this.walk(`${dirKey}${entry.name}/`);
      else if (entry.isFile()) yield `${dirKey}${entry.name}`;
    }
  }

  private async readDir(dirKey: string) {
    try {
      return await fs.readdir(path.join(this.root, dirKey), { withFileTypes: true });
    } catch (err) {
      if (isCode(err, "ENOENT", "ENOTDIR")) return [];
      throw err;
    }
  }

  /** "a/b/c" -> directory key "a/b/" and the start "c" of the names listed in it. */
  private splitPrefix(prefix: string): { dirKey: string; namePrefix: string } {
    const cut = prefix.lastIndexOf("/") + 1;
    const dirKey = prefix.slice(0, cut);
    if (dirKey) checkKey(dirKey.slice(0, -1));
    if (prefix.includes("\0")) throw new Error(`invalid object key prefix ${JSON.stringify(prefix)}`);
    return { dirKey, namePrefix: prefix.slice(cut) };
  }

  private fileOf(key: string): string {
    checkKey(key);
    return path.join(this.root, key);
  }
}

/** Refuses keys that could leave the root or alias another key. */
function checkKey(key: string): void {
  const refuse = (why: string) => {
    throw new Error(`invalid object key ${JSON.stringify(key)}: ${why}`);
  };
  if (key.includes("\0")) refuse("it contains a NUL character");
  if (path.isAbsolute(key)) refuse("it is absolute");
  for (const segment of key.split("/")) {
    if (segment === "") refuse("it has an empty path segment");
    if (segment === "." || segment === "..") refuse(`it has a "${segment}" path segment`);
    if (segment.startsWith(TEMP_MARKER)) refuse(`names starting with "${TEMP_MARKER}" are reserved`);
  }
}

function isCode(err: unknown, ...codes: string[]): boolean {
  return err instanceof Error && codes.includes((err as NodeJS.ErrnoException).code ?? "");
}
