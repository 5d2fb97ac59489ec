/**
 * The kopia CLI, the uploader of file-system backups as in Velero: built from the fork Velero
 * itself depends on (the module in `build/`, whose go.mod pins the fork and go.sum its
 * dependencies), once per machine, cached by the hash of that module and the Go version. Never
 * a committed binary. `VELERO_TS_KOPIA` names a kopia to use instead (the image's own).
 */
import { createHash } from "node:crypto";
import { existsSync, promises as fs } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { cacheRoot, checkGo, goBuild, type BuildProgress } from "../../build/go.js";

/** The throwaway Go module that requires github.com/kopia/kopia and replaces it with Velero's fork. */
export const KOPIA_BUILD_MODULE = fileURLToPath(
  new URL("../../../../src/volumes/kopia/build", import.meta.url),
);
const KOPIA_PACKAGE = "github.com/kopia/kopia";

/** The path of the kopia binary, building it first when this machine has none for the pinned fork. */
export async function ensureKopia(progress?: BuildProgress): Promise<string> {
  const given = process.env.VELERO_TS_KOPIA;
  if (given) {
    if (!existsSync(given))
      throw new Error(
        `VELERO_TS_KOPIA is ${given}, which does not exist: point it at a kopia binary or unset it`,
      );
    return given;
  }
  const goVersion = await checkGo(
    "File-system backups need kopia, which velero-ts builds from Velero's fork once per machine",
  );
  const hash = createHash("sha256").update(goVersion);
  for (const file of ["go.mod", "go.sum"])
    hash.update(file).update(await fs.readFile(path.join(KOPIA_BUILD_MODULE, file)));
  const binary = path.join(cacheRoot(), "kopia", hash.digest("hex").slice(0, 16), "kopia");
  if (existsSync(binary)) return binary;

  await fs.mkdir(path.dirname(binary), { recursive: true });
  const tmp = `${binary}.${process.pid}.tmp`;
  try {
    await goBuild({
      what: "kopia (Velero's fork)",
      cwd: KOPIA_BUILD_MODULE,
      pkg: KOPIA_PACKAGE,
      output: tmp,
      flags: ["-trimpath", "-ldflags=-s -w"],
      env: { CGO_ENABLED: "0" },
      ...(progress ? { progress } : {}),
    });
    await fs.rename(tmp, binary);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  return binary;
}
