import type { Readable } from "node:stream";
import { promisify } from "node:util";
import { gunzip, gzip } from "node:zlib";

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** The gzipped JSON form of Velero's side files (results, resource list, volume info). */
export async function gzipJson(value: unknown): Promise<Buffer> {
  return gzipAsync(Buffer.from(JSON.stringify(value)));
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
