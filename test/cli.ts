// Runs the velero-ts CLI as a user would, for the tests: exit code, stdout and stderr.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const exec = promisify(execFile);
const BIN = fileURLToPath(new URL("../../bin/velero-ts.js", import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `velero-ts ARGS` with the given environment (this process's by default); never throws for a non-zero exit. */
export async function runCli(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<CliResult> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [BIN, ...args], { env, maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The CLI with a kubeconfig that does not exist: any attempt to reach a cluster fails. */
export function runCliWithoutCluster(args: string[]): Promise<CliResult> {
  return runCli(args, { ...process.env, KUBECONFIG: "/nonexistent/kubeconfig", HOME: "/nonexistent" });
}
