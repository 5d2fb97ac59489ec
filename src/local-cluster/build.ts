import { createHash } from "node:crypto";
import { spawn } from "node:child_process";
import { existsSync, promises as fs, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** Reports the Go build's progress: packages compiled so far of the total. */
export interface BuildProgress {
  start(total: number): void;
  update(done: number, current: string): void;
  stop(): void;
}

/** The built control plane: the binary and the snapshot CRD manifests shipped with it. */
export interface ControlPlaneBuild {
  binary: string;
  crdDir: string;
}

const MINIMUM_GO = [1, 26] as const;
const SNAPSHOTTER_MODULE = "github.com/kubernetes-csi/external-snapshotter/client/v8";

/** The Go sources of the control plane, kept in this repository. */
export const CONTROL_PLANE_SOURCE = fileURLToPath(
  new URL("../../../src/local-cluster/control-plane", import.meta.url),
);

export function cacheRoot(): string {
  if (process.env.VELERO_TS_CACHE_DIR) return process.env.VELERO_TS_CACHE_DIR;
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  return path.join(base, "velero-ts");
}

/**
 * Returns the control plane binary, building it first when this machine has no build for
 * the current sources. The cache key covers the Go sources, go.mod, go.sum and the Go version.
 */
export async function ensureControlPlane(progress?: BuildProgress): Promise<ControlPlaneBuild> {
  const goVersion = await checkGo();
  const key = await sourceKey(goVersion);
  const dir = path.join(cacheRoot(), "control-plane", key);
  const build: ControlPlaneBuild = {
    binary: path.join(dir, "local-control-plane"),
    crdDir: path.join(dir, "crds"),
  };
  if (existsSync(build.binary) && existsSync(build.crdDir)) return build;

  await fs.mkdir(dir, { recursive: true });
  const tmpBinary = `${build.binary}.${process.pid}.tmp`;
  try {
    await goBuild(tmpBinary, progress);
    await copySnapshotCrds(build.crdDir);
    await fs.rename(tmpBinary, build.binary);
  } catch (err) {
    await fs.rm(tmpBinary, { force: true });
    throw err;
  }
  return build;
}

/** The Kubernetes release the control plane is built from, as pinned in its go.mod (for example "v1.36.3"). */
export function kubernetesVersion(): string {
  const goMod = readFileSync(path.join(CONTROL_PLANE_SOURCE, "go.mod"), "utf8");
  const match = /^\s*k8s\.io\/kubernetes (v\d+\.\d+\.\d+)\s*$/m.exec(goMod);
  if (!match) throw new Error(`${CONTROL_PLANE_SOURCE}/go.mod does not pin k8s.io/kubernetes`);
  return match[1]!;
}

/** Stamps the release into the binaries, as Kubernetes' own build does, so clients see a real server version. */
function versionLdflags(): string {
  const version = kubernetesVersion();
  const [major, minor] = version.slice(1).split(".");
  const vars = { gitVersion: version, gitMajor: major, gitMinor: minor, gitTreeState: "clean" };
  return Object.entries(vars)
    .flatMap(([k, v]) => [
      `-X k8s.io/component-base/version.${k}=${v}`,
      `-X k8s.io/client-go/pkg/version.${k}=${v}`,
    ])
    .join(" ");
}

function goEnv(): NodeJS.ProcessEnv {
  // Never let Go try to download another toolchain: this machine may not reach it.
  return { ...process.env, GOTOOLCHAIN: "local", GOFLAGS: "-mod=readonly -buildvcs=false" };
}

async function checkGo(): Promise<string> {
  let out: string;
  try {
    out = (await run("go", ["version"])).stdout;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      throw new Error(
        `Go is not installed (no \`go\` on PATH). local-cluster builds the real kube-apiserver, kube-controller-manager and etcd from source once per machine: install Go ${MINIMUM_GO.join(".")} or later and run the command again.`,
      );
    }
    throw err;
  }
  const match = /go(\d+)\.(\d+)/.exec(out);
  const [major, minor] = [Number(match?.[1] ?? 0), Number(match?.[2] ?? 0)];
  if (major < MINIMUM_GO[0] || (major === MINIMUM_GO[0] && minor < MINIMUM_GO[1])) {
    throw new Error(
      `${out.trim()} is too old: the Kubernetes control plane needs Go ${MINIMUM_GO.join(".")} or later. Upgrade Go and run the command again.`,
    );
  }
  return out.trim();
}

async function sourceKey(goVersion: string): Promise<string> {
  const hash = createHash("sha256").update(goVersion).update(versionLdflags());
  const files = (await fs.readdir(CONTROL_PLANE_SOURCE))
    .filter((f) => f.endsWith(".go") || f === "go.mod" || f === "go.sum")
    .sort();
  for (const file of files) {
    hash.update(file).update(await fs.readFile(path.join(CONTROL_PLANE_SOURCE, file)));
  }
  return hash.digest("hex").slice(0, 16);
}

async function goBuild(output: string, progress?: BuildProgress): Promise<void> {
  const deps = await run("go", ["list", "-deps", "-f", "{{.ImportPath}}", "."], CONTROL_PLANE_SOURCE).catch(
    (err) => {
      throw new Error(`could not resolve the control plane's Go modules: ${(err as Error).message}`);
    },
  );
  const total = deps.stdout.split("\n").filter(Boolean).length;
  progress?.start(total);
  let done = 0;
  try {
    await run(
      "go",
      ["build", "-v", "-ldflags", versionLdflags(), "-o", output, "."],
      CONTROL_PLANE_SOURCE,
      (line) => {
        // `go build -v` names each package as it compiles it.
        if (!line.startsWith("#") && line.trim() && !line.includes(" "))
          progress?.update(++done, line.trim());
      },
    );
  } catch (err) {
    throw new Error(`building the Kubernetes control plane failed:\n${(err as Error).message}`);
  } finally {
    progress?.stop();
  }
}

async function copySnapshotCrds(target: string): Promise<void> {
  const { stdout } = await run(
    "go",
    ["list", "-m", "-f", "{{.Dir}}", SNAPSHOTTER_MODULE],
    CONTROL_PLANE_SOURCE,
  );
  const source = path.join(stdout.trim(), "config", "crd");
  await fs.mkdir(target, { recursive: true });
  for (const file of await fs.readdir(source)) {
    if (file.startsWith("snapshot.storage.k8s.io_") && file.endsWith(".yaml")) {
      await fs.copyFile(path.join(source, file), path.join(target, file));
    }
  }
}

interface RunResult {
  stdout: string;
  stderr: string;
}

/** Runs a command; rejects with the tail of its error output when it fails. */
function run(
  command: string,
  args: string[],
  cwd?: string,
  onStderrLine?: (line: string) => void,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: goEnv(), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let partial = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => {
      const text = chunk.toString();
      stderr = (stderr + text).slice(-20_000);
      if (!onStderrLine) return;
      const lines = (partial + text).split("\n");
      partial = lines.pop() ?? "";
      lines.forEach(onStderrLine);
    });
    child.once("error", reject);
    child.once("close", (code) => {
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`\`${command} ${args.join(" ")}\` exited with ${code}:\n${tail(stderr, 30)}`));
    });
  });
}

function tail(text: string, lines: number): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}
