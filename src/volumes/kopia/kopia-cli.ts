/**
 * Kopia driven as a subprocess, as the node agent will drive it: one config file per
 * repository connection, the password only in the child's environment (never on its command
 * line, never logged), update checks off, and JSON output where kopia gives it.
 */
import { spawn } from "node:child_process";
import { promises as fs } from "node:fs";
import path from "node:path";

/** Velero's default repository password (Secret `velero-repo-credentials`, key `repository-password`). */
export const DEFAULT_REPOSITORY_PASSWORD = "static-passw0rd";

/** What `kopia snapshot create --json` says of the snapshot it made (the fields used here). */
export interface KopiaSnapshot {
  id: string;
  source: { host: string; userName: string; path: string };
  /** What the snapshot holds: bytes and files under its root. */
  rootEntry?: { summ?: { size?: number; files?: number } };
}

export class KopiaCli {
  /**
   * `binary` is the kopia program; `workDir` holds this connection's config and cache;
   * `password` opens the repository.
   */
  constructor(
    private readonly binary: string,
    private readonly workDir: string,
    private readonly password: string,
  ) {}

  /** Creates a repository in a directory (a `filesystem` location's kopia folder) and connects to it. */
  async createFilesystemRepository(repoDir: string): Promise<void> {
    await fs.mkdir(repoDir, { recursive: true });
    await this.run(["repository", "create", "filesystem", `--path=${repoDir}`, ...this.identity()]);
  }

  /** Connects to an existing repository in a directory. */
  async connectFilesystemRepository(repoDir: string): Promise<void> {
    await this.run(["repository", "connect", "filesystem", `--path=${repoDir}`, ...this.identity()]);
  }

  /** Uploads `dir` as a snapshot of `source` (`user@host:/path`, Velero's identity of a volume). */
  async snapshot(dir: string, source: string, tags: Record<string, string> = {}): Promise<KopiaSnapshot> {
    const tagFlags = Object.entries(tags).map(([k, v]) => `--tags=${k}:${v}`);
    const { stdout } = await this.run([
      "snapshot",
      "create",
      dir,
      `--override-source=${source}`,
      ...tagFlags,
      "--json",
    ]);
    return JSON.parse(stdout) as KopiaSnapshot;
  }

  /** Writes snapshot `id` into `target`. */
  async restore(id: string, target: string): Promise<void> {
    await this.run(["snapshot", "restore", id, target]);
  }

  /** Whether the repository is consistent: kopia's own check of its index and contents. */
  async verify(): Promise<void> {
    await this.run(["snapshot", "verify", "--verify-files-percent=100"]);
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

  private run(args: string[]): Promise<{ stdout: string; stderr: string }> {
    const env = {
      ...process.env,
      KOPIA_PASSWORD: this.password,
      KOPIA_CHECK_FOR_UPDATES: "false",
    };
    const all = [
      ...args,
      `--config-file=${path.join(this.workDir, "repository.config")}`,
      `--log-dir=${path.join(this.workDir, "logs")}`,
    ];
    return new Promise((resolve, reject) => {
      const child = spawn(this.binary, all, { env, stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
      child.stderr.on("data", (c: Buffer) => (stderr = (stderr + c.toString()).slice(-8000)));
      child.once("error", reject);
      child.once("close", (code) => {
        if (code === 0) resolve({ stdout, stderr });
        else
          reject(
            new Error(
              `kopia ${args.slice(0, 2).join(" ")} exited with ${code}: ${stderr.trim().split("\n").slice(-5).join("\n")}`,
            ),
          );
      });
    });
  }
}
