/**
 * The temporary directories of backups and restores (archives, spools, logs) are named after the
 * process that made them, `velero-ts-<purpose>-<pid>-<random>`, so that a server starting after
 * one that was killed (kill -9 leaves no chance to clean up) can tell which are left over: those
 * of a process that no longer runs, and any with its own pid, since it has made none yet.
 */
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";

const PREFIX = "velero-ts-";
const LEFT_OVER = /^velero-ts-[a-z-]+?-(\d+)-[A-Za-z0-9]{6}$/;

/** A new temporary directory for `purpose` (`restore`, `backup`, `log`, ...). */
export function makeWorkDir(purpose: string): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), `${PREFIX}${purpose}-${process.pid}-`));
}

/**
 * Removes the work directories that processes no longer running left in the temporary
 * directory; returns their paths. Call it before this process makes any of its own.
 */
export async function removeLeftWorkDirs(): Promise<string[]> {
  const tmp = os.tmpdir();
  const removed: string[] = [];
  for (const name of await fs.readdir(tmp)) {
    const pid = Number(LEFT_OVER.exec(name)?.[1]);
    if (!pid || (pid !== process.pid && isRunning(pid))) continue;
    await fs.rm(path.join(tmp, name), { recursive: true, force: true });
    removed.push(path.join(tmp, name));
  }
  return removed;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it runs, as another user.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
