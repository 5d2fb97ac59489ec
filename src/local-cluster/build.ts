import { createHash } from "node:crypto";
import { existsSync, promises as fs, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { cacheRoot, checkGo, goBuild, runGo, type BuildProgress } from "../build/go.js";

/** The built control plane: the binary and the snapshot CRD manifests shipped with it. */
export interface ControlPlaneBuild {
  binary: string;
  crdDir: string;
}

const SNAPSHOTTER_MODULE = "github.com/kubernetes-csi/external-snapshotter/client/v8";

/** The Go sources of the control plane, kept in this repository. */
export const CONTROL_PLANE_SOURCE = fileURLToPath(
  new URL("../../../src/local-cluster/control-plane", import.meta.url),
);

/**
 * Returns the control plane binary, building it first when this machine has no build for
 * the current sources. The cache key covers the Go sources, go.mod, go.sum and the Go version.
 */
export async function ensureControlPlane(progress?: BuildProgress): Promise<ControlPlaneBuild> {
  const goVersion = await checkGo(
    "local-cluster builds the real kube-apiserver, kube-controller-manager and etcd from source once per machine",
  );
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
    await goBuild({
      what: "the Kubernetes control plane",
      cwd: CONTROL_PLANE_SOURCE,
      pkg: ".",
      output: tmpBinary,
      flags: ["-ldflags", versionLdflags()],
      ...(progress ? { progress } : {}),
    });
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

async function copySnapshotCrds(target: string): Promise<void> {
  const { stdout } = await runGo(["list", "-m", "-f", "{{.Dir}}", SNAPSHOTTER_MODULE], {
    cwd: CONTROL_PLANE_SOURCE,
  });
  const source = path.join(stdout.trim(), "config", "crd");
  await fs.mkdir(target, { recursive: true });
  for (const file of await fs.readdir(source)) {
    if (file.startsWith("snapshot.storage.k8s.io_") && file.endsWith(".yaml")) {
      await fs.copyFile(path.join(source, file), path.join(target, file));
    }
  }
}
