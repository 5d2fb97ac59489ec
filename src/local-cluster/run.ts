import { execFile } from "node:child_process";

/** Runs a short command and rejects with its output when it fails. */
export function runToCompletion(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, (err, stdout, stderr) => {
      if (err)
        reject(new Error(`\`${command} ${args.join(" ")}\` failed: ${(stderr || err.message).trim()}`));
      else resolve(stdout);
    });
  });
}
