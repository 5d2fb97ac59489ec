/**
 * Kopia driven as a subprocess, as the node agent will drive it: one config file per
 * repository connection, the password only in the child's environment (never on its command
 * line, never logged), update checks off, and JSON output where kopia gives it.
 */
import path from "node:path";
import { runProgram, type RunResult } from "../../processes/run-program.js";
import { parseRestoreProgress, parseUploadProgress, type UploadProgress } from "./kopia-progress.js";
import type { RepositoryStorage } from "./repository-storage.js";

/** Progress lines often enough for a volume's status to move while it uploads. */
const PROGRESS_FLAGS = ["--progress", "--progress-update-interval=1s"];

/** Velero's default repository password (Secret `velero-repo-credentials`, key `repository-password`). */
export const DEFAULT_REPOSITORY_PASSWORD = "static-passw0rd";

/** What `kopia snapshot create --json` says of the snapshot it made (the fields used here). */
export interface KopiaSnapshot {
  id: string;
  source: { host: string; userName: string; path: string };
  /** What the snapshot holds: bytes and files under its root. */
  rootEntry?: { summ?: { size?: number; files?: number } };
}

/** kopia's maintenance safety levels. */
export const MAINTENANCE_SAFETY = ["full", "none"] as const;
export type MaintenanceSafety = (typeof MAINTENANCE_SAFETY)[number];

export class KopiaCli {
  /**
   * `binary` is the kopia program; `workDir` holds this connection's config and cache;
   * `password` opens the repository.
   */
  constructor(
    private readonly binary: string,
    private readonly workDir: string,
    private readonly password: string,
    /** What the repository's storage needs in kopia's environment (S3 keys). */
    private readonly storageEnv: Record<string, string> = {},
  ) {}

  /** Creates a repository in its storage, which must hold none yet, and connects to it. */
  async createRepository(storage: RepositoryStorage): Promise<void> {
    await this.run(["repository", "create", ...storage.flags, ...this.identity()]);
  }

  /** Connects to the repository in its storage. */
  async connectRepository(storage: RepositoryStorage): Promise<void> {
    await this.run(["repository", "connect", ...storage.flags, ...this.identity()]);
  }

  /** Uploads `dir` as a snapshot of `source` (`user@host:/path`, Velero's identity of a volume). */
  async snapshot(
    dir: string,
    source: string,
    tags: Record<string, string> = {},
    onProgress?: (progress: UploadProgress) => void,
    signal?: AbortSignal,
  ): Promise<KopiaSnapshot & { hashedBytes: number }> {
    const tagFlags = Object.entries(tags).map(([k, v]) => `--tags=${k}:${v}`);
    let last: UploadProgress | undefined;
    const { stdout } = await this.run(
      ["snapshot", "create", dir, `--override-source=${source}`, ...tagFlags, "--json", ...PROGRESS_FLAGS],
      (line) => {
        const progress = parseUploadProgress(line);
        if (!progress) return;
        last = progress;
        onProgress?.(progress);
      },
      signal,
    );
    return { ...(JSON.parse(stdout) as KopiaSnapshot), hashedBytes: last?.hashedBytes ?? 0 };
  }

  /**
   * Writes snapshot `id` (or `<id>/<path>`, a directory in it) into `target`; `onProgress` hears
   * the bytes written so far. Into a directory that holds files already: `skipExisting` leaves
   * those that match the snapshot's alone, `deleteExtra` removes those the snapshot does not hold.
   */
  async restore(
    id: string,
    target: string,
    onProgress?: (bytesDone: number) => void,
    signal?: AbortSignal,
    into: { skipExisting?: boolean; deleteExtra?: boolean } = {},
  ): Promise<void> {
    const flags = [
      ...(into.skipExisting ? ["--skip-existing"] : []),
      ...(into.deleteExtra ? ["--delete-extra"] : []),
    ];
    await this.run(
      ["snapshot", "restore", id, target, "--write-files-atomically", ...flags, ...PROGRESS_FLAGS],
      (line) => {
        const done = parseRestoreProgress(line);
        if (done !== undefined) onProgress?.(done);
      },
      signal,
    );
  }

  /** Deletes the snapshot of manifest `id`; one already gone is fine. */
  async deleteSnapshot(id: string): Promise<void> {
    try {
      await this.run(["snapshot", "delete", id, "--delete"]);
    } catch (err) {
      if (!/no snapshots matched/.test(String(err))) throw err;
    }
  }

  /** The IDs of the snapshots the repository holds, of every source. */
  async snapshotIds(): Promise<string[]> {
    const { stdout } = await this.run(["snapshot", "list", "--all", "--json"]);
    return (JSON.parse(stdout) as { id: string }[]).map((s) => s.id);
  }

  /** Whether the repository is consistent: kopia's own check of its index and contents. */
  async verify(): Promise<void> {
    await this.run(["snapshot", "verify", "--verify-files-percent=100"]);
  }

  /**
   * kopia's full maintenance: contents no snapshot references any more are dropped and their
   * blobs deleted, so deleted backups give their space back. With safety `full` (Velero's, and
   * kopia's default) a content must have been unreferenced for a while first, which keeps
   * uploads running meanwhile safe; `none` reclaims at once and must not overlap an upload.
   * `memoryLimitBytes` becomes Go's GOMEMLIMIT: kopia's garbage collector works to stay under it.
   */
  async maintenance(safety: MaintenanceSafety, memoryLimitBytes?: number): Promise<void> {
    await this.run(
      ["maintenance", "run", "--full", `--safety=${safety}`],
      undefined,
      undefined,
      memoryLimitBytes ? { GOMEMLIMIT: String(memoryLimitBytes) } : {},
    );
  }

  /** Flags of a connection: its own user and host (each snapshot names its source itself), its cache. */
  private identity(): string[] {
    return [
      "--override-username=default",
      "--override-hostname=default",
      "--no-persist-credentials",
      `--cache-directory=${path.join(this.workDir, "cache")}`,
    ];
  }

  private run(
    args: string[],
    onStderrLine?: (line: string) => void,
    signal?: AbortSignal,
    extraEnv: Record<string, string> = {},
  ): Promise<RunResult> {
    const env = {
      ...process.env,
      ...extraEnv,
      ...this.storageEnv,
      KOPIA_PASSWORD: this.password,
      KOPIA_CHECK_FOR_UPDATES: "false",
    };
    const all = [
      ...args,
      `--config-file=${path.join(this.workDir, "repository.config")}`,
      `--log-dir=${path.join(this.workDir, "logs")}`,
    ];
    return runProgram(this.binary, all, {
      env,
      describe: `kopia ${args.slice(0, 2).join(" ")}`,
      tailLines: 5,
      ...(onStderrLine ? { onStderrLine } : {}),
      ...(signal ? { signal } : {}),
    });
  }
}
