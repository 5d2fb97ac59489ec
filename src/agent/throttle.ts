import type { DataMoveProgress } from "../api/v1/index.js";
import type { UploadProgress } from "../volumes/kopia/kopia-progress.js";

/**
 * Runs a report at most once per interval, dropping the ones in between, and never two at once:
 * kopia prints progress every second per volume, and each report is a write to the API server.
 * A report that fails is dropped too; the next one carries newer numbers anyway.
 */
export class Throttle {
  private last = 0;
  private inFlight: Promise<void> | undefined;

  constructor(private readonly intervalMs: number) {}

  run(report: () => Promise<void>): void {
    if (this.inFlight || Date.now() - this.last < this.intervalMs) return;
    this.last = Date.now();
    this.inFlight = report()
      .catch(() => undefined)
      .finally(() => (this.inFlight = undefined));
  }

  /** Resolves once no report is running, so a final status is never overwritten by a late one. */
  async idle(): Promise<void> {
    await this.inFlight;
  }
}

/** kopia's upload progress as the status patch of what it uploads, through the throttle. */
export function reportUploadProgress(
  throttle: Throttle,
  patch: (status: { progress: DataMoveProgress }) => Promise<void>,
): (progress: UploadProgress) => void {
  return (progress) =>
    throttle.run(() =>
      patch({
        progress: { bytesDone: progress.bytesDone, totalBytes: progress.totalBytes ?? progress.bytesDone },
      }),
    );
}
