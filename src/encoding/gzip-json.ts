import type { Readable } from "node:stream";
import { promisify } from "node:util";
import { gunzip, gzip } from "node:zlib";

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

const GO_ESCAPES: Record<string, string> = {
  "<": "\\u003c",
  ">": "\\u003e",
  "&": "\\u0026",
  "\u2028": "\\u2028",
  "\u2029": "\\u2029",
};

/** JSON text escaped as Go's encoding/json escapes it (these characters only occur inside strings). */
export function goEscape(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (c) => GO_ESCAPES[c]!);
}

/** A value as Go's json.Encoder writes it, which is how Velero writes its side files: escaped, then a newline. */
export function goJson(value: unknown): string {
  return `${goEscape(JSON.stringify(value))}\n`;
}

/** The gzipped JSON form of Velero's side files (results, resource list, volume info, ...). */
export async function gzipJson(value: unknown): Promise<Buffer> {
  return gzipAsync(Buffer.from(goJson(value)));
}

export async function gunzipJson<T>(input: Readable | Buffer): Promise<T> {
  return JSON.parse((await gunzipToBuffer(input)).toString("utf8")) as T;
}

export async function gunzipToBuffer(input: Readable | Buffer): Promise<Buffer> {
  if (Buffer.isBuffer(input)) return gunzipAsync(input);
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(chunk as Buffer);
  return gunzipAsync(Buffer.concat(chunks));
}
