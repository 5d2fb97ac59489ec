// The whole test suite: starts one local cluster for the run, runs every unit and
// integration test file against it with node's test runner, then stops the cluster.
import { spawn } from "node:child_process";
import { promises as fs } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildProgressBar } from "../src/cli/progress.js";
import { down, up } from "../src/local-cluster/cluster.js";
import { ensureKopia } from "../src/volumes/kopia/kopia-build.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "../..");
const clusterDir = process.env.VELERO_TS_TEST_CLUSTER_DIR ?? path.join(repoRoot, ".test-cluster");

async function testFiles(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true });
  return entries
    .filter((f) => f.endsWith(".test.js"))
    .sort()
    .map((f) => path.join(dir, f));
}

async function main(): Promise<number> {
  const started = Date.now();
  // The uploader of file-system backups, built once per machine like the control plane.
  const kopia = await ensureKopia(buildProgressBar("building kopia (Velero's fork)"));
  await down({ dir: clusterDir, deleteData: true });
  const cluster = await up({
    dir: clusterDir,
    nodes: 2,
    buildProgress: buildProgressBar,
    say: (line) => console.error(`[test cluster] ${line}`),
  });
  console.error(
    `[test cluster] ready in ${((Date.now() - started) / 1000).toFixed(1)}s at ${cluster.apiServer}`,
  );
  try {
    const files = [
      ...(await testFiles(path.join(here, "unit"))),
      ...(await testFiles(path.join(here, "integration"))),
    ];
    const child = spawn(process.execPath, ["--test", "--test-reporter=spec", ...files], {
      stdio: "inherit",
      env: {
        ...process.env,
        VELERO_TS_TEST_KUBECONFIG: cluster.kubeconfig,
        VELERO_TS_TEST_CLUSTER_DIR: clusterDir,
        VELERO_TS_KOPIA: kopia,
      },
    });
    return await new Promise<number>((resolve) => child.once("close", (code) => resolve(code ?? 1)));
  } finally {
    await down({ dir: clusterDir });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`test run failed before the tests: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
