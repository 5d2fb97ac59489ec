import { SingleBar, Presets } from "cli-progress";
import type { BuildProgress } from "../build/go.js";

/**
 * A progress bar on a terminal; on anything else (CI logs, pipes) one plain line per
 * package compiled, so logs stay readable.
 */
export function buildProgressBar(title: string, stream: NodeJS.WriteStream = process.stderr): BuildProgress {
  if (stream.isTTY) {
    const bar = new SingleBar(
      { format: `${title} [{bar}] {value}/{total} packages  {current}`, stream, hideCursor: true },
      Presets.shades_classic,
    );
    return {
      start: (total) => bar.start(total, 0, { current: "" }),
      update: (done, current) => bar.update(Math.min(done, bar.getTotal()), { current }),
      stop: () => bar.stop(),
    };
  }
  let total = 0;
  let done = 0;
  return {
    start: (t) => {
      total = t;
      stream.write(`${title}: ${total} packages to compile or take from Go's build cache\n`);
    },
    update: (d, current) => {
      if (d === done) return;
      done = d;
      stream.write(
        `${title}: ${Math.min(done, total)}/${total} packages compiled${current ? `  ${current}` : ""}\n`,
      );
    },
    stop: () => stream.write(`${title}: done (${Math.min(done, total)} packages compiled)\n`),
  };
}
