import type { Logger } from "pino";
import { errorMessage } from "../kube/errors.js";
import type { LogFields, LogLevel } from "../logs/operation-log.js";

const PROGRESS_EVERY_MS = 1000;

/**
 * A running backup's or restore's progress, written to its status at most once a second, one
 * write after another; a failed write is logged, never fatal.
 */
export class ProgressWriter<P> {
  #last = 0;
  #writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly write: (progress: P) => Promise<void>,
    private readonly log: Logger,
    private readonly fields: Record<string, string>,
  ) {}

  readonly report = (progress: P): void => {
    if (Date.now() - this.#last < PROGRESS_EVERY_MS) return;
    this.#last = Date.now();
    this.#writing = this.#writing
      .then(() => this.write(progress))
      .catch((err: unknown) =>
        this.log.warn({ ...this.fields, err: errorMessage(err) }, "could not update progress"),
      );
  };

  /** Resolves when every write asked for so far is done. */
  settled(): Promise<void> {
    return this.#writing;
  }
}

/** An operation's warnings and errors, echoed to the server's own log. */
export function echoProblems(log: Logger): (level: LogLevel, msg: string, fields: LogFields) => void {
  return (level, msg, fields) => {
    if (level === "error" || level === "warning") log.warn(fields, msg);
  };
}
