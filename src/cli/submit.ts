import { InvalidArgumentError } from "commander";
import { isAlreadyExists } from "../kube/errors.js";
import type { VeleroClient } from "../kube/velero-client.js";
import { waitForPhase, type Observed } from "./wait.js";

/** `[bool]` flags as Velero takes them: given alone means true. */
export function optionalBool(value: string | undefined): boolean {
  if (value === undefined || value === "true") return true;
  if (value === "false") return false;
  throw new InvalidArgumentError("must be true or false");
}

/** `--labels k=v,...` as a map; a malformed pair is refused. */
export function labelsFromFlags(pairs: string[] | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of pairs ?? []) {
    const [k, v, extra] = pair.split("=");
    if (!k || v === undefined || extra !== undefined)
      throw new Error(`invalid label "${pair}": use key=value`);
    labels[k] = v;
  }
  return labels;
}

/**
 * Creates a Backup or Restore and, with `wait`, follows it to a final phase with Velero's
 * messages; a final phase other than Completed sets a failing exit code.
 */
export async function submitAndWait(
  velero: VeleroClient,
  what: {
    kind: "backup" | "restore";
    plural: "backups" | "restores";
    object: { metadata: { name?: string } };
  },
  wait: boolean | undefined,
  finalPhases: readonly string[],
  observe: (name: string) => Promise<Observed>,
): Promise<void> {
  const { kind, plural } = what;
  const name = what.object.metadata.name!;
  const title = kind === "backup" ? "Backup" : "Restore";
  try {
    await velero.create(plural, what.object);
  } catch (err) {
    if (isAlreadyExists(err))
      throw new Error(`a ${kind} named "${name}" already exists: choose another name`);
    throw err;
  }
  console.log(`${title} request "${name}" submitted successfully.`);
  if (!wait) {
    console.log(
      `Run \`velero-ts ${kind} describe ${name}\` or \`velero-ts ${kind} logs ${name}\` for more details.`,
    );
    return;
  }
  console.log(
    `Waiting for ${kind} to complete. You may safely press ctrl-c to stop waiting - your ${kind} will continue in the background.`,
  );
  const phase = await waitForPhase(`${kind} ${name}`, finalPhases, () => observe(name));
  console.log(
    `${title} completed with status: ${phase}. You may check for more information using the commands \`velero-ts ${kind} describe ${name}\` and \`velero-ts ${kind} logs ${name}\`.`,
  );
  if (phase !== "Completed") process.exitCode = 1;
}
