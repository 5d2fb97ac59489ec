// Helpers of the integration tests that drive velero-ts itself: its CLI and its storage directory.
import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { clusterDir, kubeconfigPath } from "./support.js";

const exec = promisify(execFile);
const BIN = fileURLToPath(new URL("../../../bin/velero-ts.js", import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the velero-ts CLI against the test cluster. */
export async function velero(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [BIN, ...args], {
      env: { ...process.env, KUBECONFIG: kubeconfigPath(), ...env },
      maxBuffer: 64 << 20,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The default backup storage location's directory of the test cluster. */
export function storageDir(): string {
  return path.join(clusterDir(), "storage");
}
