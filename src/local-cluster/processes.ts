import { spawn } from "node:child_process";
import { openSync, closeSync, promises as fs } from "node:fs";
import type { ClusterLayout, Component } from "./layout.js";

/** Starts a component detached from this process, its output appended to its log file, and records its pid. */
export async function startComponent(
  layout: ClusterLayout,
  component: Component,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  await fs.mkdir(layout.logsDir, { recursive: true });
  await fs.mkdir(layout.runDir, { recursive: true });
  const out = openSync(layout.log(component), "a");
  try {
    const child = spawn(command, args, { detached: true, stdio: ["ignore", out, out], env });
    const pid = await new Promise<number>((resolve, reject) => {
      child.once("error", reject);
      child.once("spawn", () => resolve(child.pid!));
    });
    child.unref();
    await fs.writeFile(layout.pidFile(component), `${pid}\n`);
    return pid;
  } finally {
    closeSync(out);
  }
}

/**
 * The pid of a component that is still running. A recorded pid counts only while its
 * command line still names this cluster's directory, so a pid reused by another program
 * after a crash is never taken for ours.
 */
export async function runningPid(layout: ClusterLayout, component: Component): Promise<number | undefined> {
  let pid: number;
  try {
    pid = Number.parseInt(await fs.readFile(layout.pidFile(component), "utf8"), 10);
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !(await isAlive(pid))) return undefined;
  try {
    const cmdline = await fs.readFile(`/proc/${pid}/cmdline`, "utf8");
    return cmdline.includes(layout.dir) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a process runs. A zombie (state Z) has exited and only waits for its parent to collect it. */
export async function isAlive(pid: number): Promise<boolean> {
  try {
    const stat = await fs.readFile(`/proc/${pid}/stat`, "utf8");
    return !/^\d+ \(.*\) Z /s.test(stat);
  } catch {
    return false;
  }
}

/** Stops a component: SIGTERM, then SIGKILL after the grace period. Returns whether it was running. */
export async function stopComponent(
  layout: ClusterLayout,
  component: Component,
  graceMs = 10_000,
): Promise<boolean> {
  const pid = await runningPid(layout, component);
  if (pid !== undefined) {
    signal(pid, "SIGTERM");
    const deadline = Date.now() + graceMs;
    while ((await runningPid(layout, component)) !== undefined && Date.now() < deadline) await sleep(100);
    if ((await runningPid(layout, component)) !== undefined) {
      signal(pid, "SIGKILL");
      while ((await runningPid(layout, component)) !== undefined) await sleep(100);
    }
  }
  await fs.rm(layout.pidFile(component), { force: true });
  return pid !== undefined;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
