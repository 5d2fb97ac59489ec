import { promises as fs } from "node:fs";
import { isAlive } from "./processes.js";

/**
 * Holds a lock file for the length of fn, so two `up`s never start one cluster twice.
 * A lock left by a process that no longer runs is taken over.
 */
export async function withLock<T>(file: string, what: string, fn: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      await fs.writeFile(file, `${process.pid}\n`, { flag: "wx" });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const holder = Number.parseInt(await fs.readFile(file, "utf8").catch(() => ""), 10);
      if (Number.isInteger(holder) && holder > 0 && (await isAlive(holder))) {
        throw new Error(
          `another ${what} (pid ${holder}) is at work on this directory: wait for it to finish`,
        );
      }
      await fs.rm(file, { force: true });
    }
  }
  try {
    return await fn();
  } finally {
    await fs.rm(file, { force: true });
  }
}
