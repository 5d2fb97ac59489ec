import { InvalidArgumentError, Option, type Command } from "commander";
import { parseDuration } from "../api/duration.js";
import { DEFAULT_DOWNLOAD_TIMEOUT_MS } from "../kube/download-request.js";

export interface TimeoutFlag {
  /** Milliseconds to wait for the server to answer. */
  timeout: number;
}

/**
 * Velero's --timeout: how long a command waits for the server to process its request
 * (a DownloadRequest unless told otherwise: 1m).
 */
export function timeoutOption(
  cmd: Command,
  description: string,
  defaultMs = DEFAULT_DOWNLOAD_TIMEOUT_MS,
  defaultText = "1m",
): Command {
  return cmd.addOption(
    new Option("--timeout <duration>", description)
      .argParser(positiveDuration)
      .default(defaultMs, defaultText),
  );
}

function positiveDuration(text: string): number {
  let ms = 0;
  try {
    ms = parseDuration(text);
  } catch {
    // refused below, with the flag's own message
  }
  if (!(ms > 0)) throw new InvalidArgumentError(`"${text}" is not a duration such as 30s or 2m`);
  return ms;
}
