/**
 * Runs a program to its end, capturing its output: what the Go builds and the kopia uploader
 * both need. Error output is handed over line by line as it comes (a line ends at "\n" or at
 * "\r", which progress meters use to redraw), and only its tail is kept for the error message.
 */
import { spawn } from "node:child_process";

export interface RunResult {
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  /** The child's whole environment. */
  env?: NodeJS.ProcessEnv;
  onStderrLine?: (line: string) => void;
  /** How the program is named in the error when it fails (default: the command). */
  describe?: string;
  /** Lines of error output the error message keeps. */
  tailLines?: number;
  /** Stops the program (SIGTERM) when aborted; the promise then rejects with the abort's reason. */
  signal?: AbortSignal;
}

const KEPT_STDERR_CHARS = 20_000;

/** Resolves with the output once the program exits with 0; rejects with the tail of its error output. */
export function runProgram(command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
      ...(options.signal ? { signal: options.signal } : {}),
    });
    let stdout = "";
    let stderr = "";
    let partial = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => {
      const text = chunk.toString();
      stderr = (stderr + text).slice(-KEPT_STDERR_CHARS);
      if (!options.onStderrLine) return;
      const lines = (partial + text).split(/\r\n|\r|\n/);
      partial = lines.pop() ?? "";
      lines.filter((l) => l.trim() !== "").forEach(options.onStderrLine);
    });
    child.once("error", (err) => reject(options.signal?.aborted ? (options.signal.reason as Error) : err));
    child.once("close", (code, signal) => {
      if (options.signal?.aborted) reject(options.signal.reason as Error);
      else if (code === 0) resolve({ stdout, stderr });
      else
        reject(
          new Error(
            `${options.describe ?? `\`${command} ${args.join(" ")}\``} exited with ${code ?? signal}:\n${tail(stderr, options.tailLines ?? 30)}`,
          ),
        );
    });
  });
}

function tail(text: string, lines: number): string {
  return text
    .trimEnd()
    .split(/\r\n|\r|\n/)
    .slice(-lines)
    .join("\n");
}
