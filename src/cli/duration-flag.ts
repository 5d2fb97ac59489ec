import { parseDuration } from "../api/duration.js";

/** A duration flag's text as given (Velero keeps it as written), refused here when it does not parse. */
export function durationFlag(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    parseDuration(value);
  } catch (err) {
    throw new Error(`${flag}: ${(err as Error).message}`);
  }
  return value;
}
