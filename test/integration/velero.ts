// Helpers of the integration tests that drive velero-ts itself: its CLI and its storage directory.
import path from "node:path";
import { runCli, type CliResult } from "../cli.js";
import { clusterDir, kubeconfigPath } from "./support.js";

/** Runs the velero-ts CLI against the test cluster. */
export function velero(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runCli(args, { ...process.env, KUBECONFIG: kubeconfigPath(), ...env });
}

/** The default backup storage location's directory of the test cluster. */
export function storageDir(): string {
  return path.join(clusterDir(), "storage");
}
