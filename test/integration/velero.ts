// Helpers of the integration tests that drive velero-ts itself: its CLI and its storage directory.
import { promises as fs } from "node:fs";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import type { ResultsFile } from "../../src/results/results.js";
import { runCli, type CliResult } from "../cli.js";
import { clusterDir, kubeconfigPath } from "./support.js";

/** Runs the velero-ts CLI against the test cluster. */
export function velero(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runCli(args, { ...process.env, KUBECONFIG: kubeconfigPath(), ...env });
}

/** `backup-location create` of a read-only filesystem location over `dir`, through the CLI. */
export function createReadOnlyLocation(name: string, dir: string): Promise<CliResult> {
  return velero([
    "backup-location",
    "create",
    name,
    "--provider",
    "filesystem",
    "--bucket",
    name,
    "--config",
    `path=${dir}`,
    "--access-mode",
    "ReadOnly",
  ]);
}

/** The default backup storage location's directory of the test cluster. */
export function storageDir(): string {
  return path.join(clusterDir(), "storage");
}

/** A restore's results and resource list, as the location holds them. */
export async function restoreFiles(
  name: string,
): Promise<{ results: ResultsFile; resources: Record<string, string[]> }> {
  const dir = path.join(storageDir(), "restores", name);
  const read = async (file: string) => gunzipSync(await fs.readFile(path.join(dir, file))).toString();
  return {
    results: JSON.parse(await read(`restore-${name}-results.gz`)) as ResultsFile,
    resources: JSON.parse(await read(`restore-${name}-resource-list.json.gz`)) as Record<string, string[]>,
  };
}
