import { createWriteStream, promises as fs } from "node:fs";
import path from "node:path";
import { createGzip } from "node:zlib";
import { pipeline } from "node:stream/promises";
import { PassThrough } from "node:stream";
import { makeWorkDir } from "../workdirs/work-dirs.js";

export type LogLevel = "debug" | "info" | "warning" | "error";
export type LogFields = Record<string, string | number | boolean | undefined>;

/** Lines are handed to gzip in batches this big: a write per line costs a thread-pool round each. */
const BATCH_CHARS = 16 * 1024;

/**
 * The log of one backup or restore, in logrus' text format as Velero writes it
 * (`time="..." level=info msg="..." backup=velero/b1`), gzipped into a temporary file
 * as it is written (a few KiB at a time) so memory does not grow with its length. Also echoed
 * to a callback (the server's own log) when given.
 */
export class OperationLog {
  private readonly lines = new PassThrough();
  private batch = "";
  private readonly done: Promise<void>;
  readonly file: string;

  private constructor(
    file: string,
    private readonly fields: LogFields,
    private readonly echo?: (level: LogLevel, msg: string, fields: LogFields) => void,
  ) {
    this.file = file;
    this.done = pipeline(this.lines, createGzip(), createWriteStream(file));
  }

  static async create(
    name: string,
    fields: LogFields,
    echo?: (level: LogLevel, msg: string, fields: LogFields) => void,
  ): Promise<OperationLog> {
    const dir = await makeWorkDir("log");
    return new OperationLog(path.join(dir, `${name}-logs.gz`), fields, echo);
  }

  log(level: LogLevel, msg: string, fields: LogFields = {}): void {
    const all = { ...this.fields, ...fields };
    let line = `time="${new Date().toISOString()}" level=${level} msg=${quote(msg)}`;
    for (const [k, v] of Object.entries(all)) if (v !== undefined) line += ` ${k}=${quote(String(v))}`;
    this.batch += line + "\n";
    if (this.batch.length >= BATCH_CHARS) this.flush();
    this.echo?.(level, msg, all);
  }

  info(msg: string, fields?: LogFields): void {
    this.log("info", msg, fields);
  }

  warn(msg: string, fields?: LogFields): void {
    this.log("warning", msg, fields);
  }

  error(msg: string, fields?: LogFields): void {
    this.log("error", msg, fields);
  }

  /** Ends the log; returns the gzipped file's path. */
  async close(): Promise<string> {
    this.flush();
    this.lines.end();
    await this.done;
    return this.file;
  }

  async remove(): Promise<void> {
    await fs.rm(path.dirname(this.file), { recursive: true, force: true });
  }

  private flush(): void {
    if (!this.batch) return;
    this.lines.write(this.batch);
    this.batch = "";
  }
}

/** logrus quotes a value when it has anything beyond plain word characters. */
function quote(value: string): string {
  return /^[A-Za-z0-9_./:@-]+$/.test(value) ? value : JSON.stringify(value);
}
