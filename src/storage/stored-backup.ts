/**
 * A `velero-backup.json` read back from a storage location. Anyone with write access to the
 * bucket can put anything there, so its shape is checked before any of it is trusted: what the
 * code reads (metadata, labels, annotations, spec, status) must be objects of the right kind.
 */
import type { Readable } from "node:stream";
import type { Backup } from "../api/v1/index.js";

/** The API server takes no object bigger than this, so a bigger velero-backup.json is never read whole. */
export const MAX_BACKUP_METADATA_BYTES = 3 * 2 ** 20;

/** A stream's text, refusing (and destroying the stream) once it passes `maxBytes`. */
export async function textOfAtMost(stream: Readable, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    size += bytes.length;
    if (size > maxBytes) {
      stream.destroy();
      throw new Error(
        `velero-backup.json is over ${maxBytes} bytes, more than the API server takes in one object`,
      );
    }
    chunks.push(bytes);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isStringMap(value: unknown): boolean {
  return value === undefined || (isObject(value) && Object.values(value).every((v) => typeof v === "string"));
}

/** The Backup a velero-backup.json holds; throws with what is wrong with it. */
export function parseStoredBackup(json: string): Backup {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (err) {
    throw new Error(`velero-backup.json is not valid JSON: ${(err as Error).message}`);
  }
  if (!isObject(parsed)) throw new Error("velero-backup.json is not a JSON object");
  const { metadata, spec, status } = parsed;
  if (!isObject(metadata)) throw new Error("velero-backup.json has no metadata object");
  if (!isStringMap(metadata.labels) || !isStringMap(metadata.annotations)) {
    throw new Error(
      "velero-backup.json's metadata.labels and metadata.annotations must map strings to strings",
    );
  }
  if (spec !== undefined && !isObject(spec)) throw new Error("velero-backup.json's spec is not an object");
  if (status !== undefined && !isObject(status))
    throw new Error("velero-backup.json's status is not an object");
  return { ...parsed, spec: spec ?? {} } as unknown as Backup;
}
