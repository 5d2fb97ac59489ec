/**
 * Go programs velero-ts builds from source once per machine (the local control plane, kopia):
 * where their builds are cached, the Go check, and running the Go tool without letting it
 * download another toolchain.
 */
import os from "node:os";
import path from "node:path";
import { runProgram, type RunResult } from "../processes/run-program.js";

/** Reports a Go build's progress: packages compiled so far of the total. */
export interface BuildProgress {
  start(total: number): void;
  update(done: number, current: string): void;
  stop(): void;
}

const MINIMUM_GO = [1, 26] as const;

export function cacheRoot(): string {
  if (process.env.VELERO_TS_CACHE_DIR) return process.env.VELERO_TS_CACHE_DIR;
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  return path.join(base, "velero-ts");
}

/** `go version`, once it is known to be recent enough; `needs` says what needs it, for the error. */
export async function checkGo(needs: string): Promise<string> {
  let out: string;
  try {
    out = (await runGo(["version"])).stdout;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      throw new Error(
        `Go is not installed (no \`go\` on PATH). ${needs}: install Go ${MINIMUM_GO.join(".")} or later and run the command again.`,
      );
    }
    throw err;
  }
  const match = /go(\d+)\.(\d+)/.exec(out);
  const [major, minor] = [Number(match?.[1] ?? 0), Number(match?.[2] ?? 0)];
  if (major < MINIMUM_GO[0] || (major === MINIMUM_GO[0] && minor < MINIMUM_GO[1])) {
    throw new Error(
      `${out.trim()} is too old: ${needs} with Go ${MINIMUM_GO.join(".")} or later. Upgrade Go and run the command again.`,
    );
  }
  return out.trim();
}

/**
 * `go build -v` of `pkg` in the module at `cwd` into `output`, reporting each package compiled
 * against the package's dependency count; `what` names the program in the error.
 */
export async function goBuild(options: {
  what: string;
  cwd: string;
  pkg: string;
  output: string;
  flags?: string[];
  env?: NodeJS.ProcessEnv;
  progress?: BuildProgress;
}): Promise<void> {
  const { what, cwd, pkg, progress } = options;
  const deps = await runGo(["list", "-deps", "-f", "{{.ImportPath}}", pkg], { cwd }).catch((err) => {
    throw new Error(`could not resolve the Go modules of ${what}: ${(err as Error).message}`);
  });
  progress?.start(deps.stdout.split("\n").filter(Boolean).length);
  let done = 0;
  try {
    await runGo(["build", "-v", ...(options.flags ?? []), "-o", options.output, pkg], {
      cwd,
      ...(options.env ? { env: options.env } : {}),
      onStderrLine: (line) => {
        // `go build -v` names each package as it compiles it.
        if (!line.startsWith("#") && line.trim() && !line.includes(" "))
          progress?.update(++done, line.trim());
      },
    });
  } catch (err) {
    throw new Error(`building ${what} failed:\n${(err as Error).message}`);
  } finally {
    progress?.stop();
  }
}

/** Runs the Go tool; rejects with the tail of its error output when it fails. */
export function runGo(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; onStderrLine?: (line: string) => void } = {},
): Promise<RunResult> {
  // Never let Go try to download another toolchain: this machine may not reach it.
  const env = {
    ...process.env,
    GOTOOLCHAIN: "local",
    GOFLAGS: "-mod=readonly -buildvcs=false",
    ...options.env,
  };
  return runProgram("go", args, { ...options, env, describe: `\`go ${args.join(" ")}\`` });
}
