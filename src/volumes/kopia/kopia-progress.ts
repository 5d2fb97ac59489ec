/**
 * Kopia's progress lines, read as a volume's progress. kopia prints sizes in decimal units with
 * three significant digits ("65.5 KB"), so bytes read back from a line are that close, no closer.
 *
 * Upload:  ` | 1 hashing, 3 hashed (13.7 MB), 2 cached (1 MB), uploaded 9 MB, estimated 60 MB (22.8%) 1s left`
 *          (`estimating...` until kopia has walked the tree; the line marked `*` is the last).
 * Restore: `Processed 1 (44 MB) of 3 (60 MB).`
 */

/** What an upload has got through so far. */
export interface UploadProgress {
  /** Bytes read so far: hashed, or found unchanged in the repository (cached). */
  bytesDone: number;
  /** kopia's estimate of all the bytes to read, once it has one. */
  totalBytes?: number;
  /**
   * Bytes of files read anew: changed or new since the source's last snapshot (kopia's "cached"
   * files are unchanged and not read). What the next backup of unchanged data costs.
   */
  hashedBytes: number;
}

const UNITS: Record<string, number> = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12, PB: 1e15 };
const SIZE = String.raw`([\d.]+ [KMGTP]?B)`;
const UPLOAD_LINE = new RegExp(
  String.raw`\d+ hashed \(${SIZE}\), \d+ cached \(${SIZE}\), uploaded ${SIZE}(?:, estimated ${SIZE})?`,
);
const RESTORE_LINE = new RegExp(String.raw`^Processed \d+ \(${SIZE}\) of \d+ \(${SIZE}\)`);

/** The bytes a kopia size stands for ("13.7 MB" is 13 700 000). */
export function parseSize(text: string): number {
  const [amount, unit] = text.split(" ");
  const factor = UNITS[unit ?? ""];
  const value = Number(amount);
  if (factor === undefined || !Number.isFinite(value)) throw new Error(`not a kopia size: ${text}`);
  return Math.round(value * factor);
}

/** An upload's progress from one of kopia's progress lines; undefined for any other line. */
export function parseUploadProgress(line: string): UploadProgress | undefined {
  const m = UPLOAD_LINE.exec(line);
  if (!m) return undefined;
  const hashedBytes = parseSize(m[1]!);
  const bytesDone = hashedBytes + parseSize(m[2]!);
  return {
    bytesDone,
    hashedBytes,
    // The estimate can trail what is already read: never report more done than there is.
    ...(m[4] ? { totalBytes: Math.max(parseSize(m[4]), bytesDone) } : {}),
  };
}

/** The bytes a restore has written so far, from one of kopia's progress lines. */
export function parseRestoreProgress(line: string): number | undefined {
  const m = RESTORE_LINE.exec(line.trim());
  return m ? parseSize(m[1]!) : undefined;
}
