import { Presets, SingleBar } from "cli-progress";
import { sleep } from "../local-cluster/processes.js";

export interface Observed {
  phase?: string;
  /** The server has taken it up (it set a start time), though the phase may still be New. */
  pickedUp?: boolean;
  done?: number;
  total?: number;
  /** More to show after the counts (bytes of pod volumes moved). */
  detail?: string;
}

const NOT_PICKED_UP_MS = 20_000;

/**
 * Waits until observe() reports one of the final phases, showing progress: a bar on a
 * terminal; elsewhere (a pipe, a CI log) one line per step, each time what is seen changes. Fails with a hint when nothing picks the
 * object up (no server running).
 */
export async function waitForPhase(
  what: string,
  finalPhases: readonly string[],
  observe: () => Promise<Observed>,
  stream: NodeJS.WriteStream = process.stderr,
): Promise<string> {
  const started = Date.now();
  const bar = stream.isTTY
    ? new SingleBar(
        { format: `${what} [{bar}] {value}/{total} items  {phase}`, stream, hideCursor: true },
        Presets.shades_classic,
      )
    : undefined;
  let barStarted = false;
  let lastLine = "";
  try {
    for (;;) {
      const seen = await observe();
      const phase = seen.phase || "New";
      const shown = seen.detail ? `${phase}; ${seen.detail}` : phase;
      // An estimate can lag behind the work done: never show fewer items in all than are done.
      if (seen.total !== undefined) seen.total = Math.max(seen.total, seen.done ?? 0);
      if (finalPhases.includes(phase)) {
        if (barStarted) bar!.update(seen.done ?? 0, { phase });
        return phase;
      }
      if (phase === "New" && !seen.pickedUp && Date.now() - started > NOT_PICKED_UP_MS) {
        throw new Error(
          `${what} has not been picked up after ${NOT_PICKED_UP_MS / 1000}s: is the velero-ts server running? Start it with \`velero-ts server\` (\`velero-ts local-cluster up\` starts one for its cluster)`,
        );
      }
      if (bar && seen.total !== undefined) {
        if (!barStarted) bar.start(seen.total, seen.done ?? 0, { phase: shown });
        barStarted = true;
        bar.setTotal(seen.total);
        bar.update(seen.done ?? 0, { phase: shown });
      } else if (!bar) {
        const line = `${what}: ${phase}${seen.total !== undefined ? `, ${seen.done ?? 0} of ${seen.total} items` : ""}${seen.detail ? `; ${seen.detail}` : ""}\n`;
        if (line !== lastLine) stream.write(line);
        lastLine = line;
      }
      await sleep(500);
    }
  } finally {
    if (barStarted) bar!.stop();
  }
}
