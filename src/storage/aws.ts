import { rootCertificates } from "node:tls";
import { Readable } from "node:stream";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  S3Client,
  paginateListObjectsV2,
  type ListObjectsV2CommandInput,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { credentialsFromFile } from "./aws-credentials.js";
import { ObjectNotFoundError, type ObjectStore } from "./object-store.js";

export interface AwsObjectStoreOptions {
  bucket: string;
  /** Defaults to "us-east-1"; without s3Url, requests then follow S3's redirects to the bucket's region. */
  region?: string;
  /** The endpoint of an S3-compatible store; AWS S3 when unset. */
  s3Url?: string;
  s3ForcePathStyle?: boolean;
  /** The profile picked from credentialsFile (or from the SDK's usual sources); defaults to "default". */
  profile?: string;
  /** The CONTENTS of an AWS shared credentials file. */
  credentialsFile?: string;
  /** PEM bundle trusted for TLS on top of the system's roots. */
  caCert?: string;
  insecureSkipTLSVerify?: boolean;
}

const CREDENTIAL_ERRORS = new Set([
  "AccessDenied",
  "Forbidden",
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
]);
const NETWORK_ERRORS = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
]);

/** One bucket of AWS S3 or of any S3-compatible store. */
export class AwsObjectStore implements ObjectStore {
  private readonly client: S3Client;
  private readonly bucket: string;
  /** Where the store is, for error messages. */
  private readonly endpoint: string;

  constructor(options: AwsObjectStoreOptions) {
    const profile = options.profile ?? "default";
    const region = options.region ?? "us-east-1";
    this.bucket = options.bucket;
    this.endpoint = options.s3Url ? withoutUserInfo(options.s3Url) : `AWS S3 (${region})`;
    this.client = new S3Client({
      region,
      followRegionRedirects: !options.region && !options.s3Url,
      ...(options.s3Url ? { endpoint: options.s3Url } : {}),
      forcePathStyle: options.s3ForcePathStyle ?? false,
      ...(options.credentialsFile
        ? { credentials: credentialsFromFile(options.credentialsFile, profile) }
        : { profile }),
      // Many S3-compatible stores reject the SDK's default trailing CRC32 checksums on uploads.
      ...(options.s3Url
        ? { requestChecksumCalculation: "WHEN_REQUIRED", responseChecksumValidation: "WHEN_REQUIRED" }
        : {}),
      // No request timeout: a download may rightly sit idle while its reader applies backpressure.
      requestHandler: {
        connectionTimeout: 10_000,
        httpsAgent: {
          keepAlive: true,
          rejectUnauthorized: !options.insecureSkipTLSVerify,
          ...(options.caCert ? { ca: [...rootCertificates, options.caCert] } : {}),
        },
      },
    });
  }

  async putObject(key: string, body: Readable | Buffer | string): Promise<void> {
    // Upload sends small bodies in one PUT and large streams in parts, never buffering all of it;
    // a failed multipart upload is aborted, so no partial object appears.
    const upload = new Upload({ client: this.client, params: { Bucket: this.bucket, Key: key, Body: body } });
    try {
      await upload.done();
    } catch (err) {
      throw this.failure(err, `uploading "${key}"`);
    }
  }

  async getObject(key: string): Promise<Readable> {
    try {
      const { Body } = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (!(Body instanceof Readable)) throw new Error("the response has no body stream");
      return Body;
    } catch (err) {
      if (errorName(err) === "NoSuchKey") throw new ObjectNotFoundError(key);
      throw this.failure(err, `reading "${key}"`);
    }
  }

  async objectExists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (err) {
      if (httpStatus(err) === 404) return false;
      throw this.failure(err, `checking "${key}"`);
    }
  }

  async listCommonPrefixes(prefix: string, delimiter: string): Promise<string[]> {
    const prefixes: string[] = [];
    for await (const page of this.pages({ Prefix: prefix, Delimiter: delimiter }))
      for (const p of page.CommonPrefixes ?? []) if (p.Prefix) prefixes.push(p.Prefix);
    return prefixes;
  }

  async listObjects(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    for await (const page of this.pages({ Prefix: prefix }))
      for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
    return keys;
  }

  async deleteObject(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (err) {
      throw this.failure(err, `deleting "${key}"`);
    }
  }

  /** A presigned GET, as Velero's AWS plugin makes for DownloadRequests; signing needs no request. */
  async signedUrl(key: string, ttlMs: number): Promise<string> {
    try {
      return await getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key }), {
        expiresIn: Math.ceil(ttlMs / 1000),
      });
    } catch (err) {
      throw this.failure(err, `signing a URL for "${key}"`);
    }
  }

  private async *pages(input: Omit<ListObjectsV2CommandInput, "Bucket">) {
    try {
      yield* paginateListObjectsV2({ client: this.client }, { ...input, Bucket: this.bucket });
    } catch (err) {
      throw this.failure(err, input.Prefix ? `listing "${input.Prefix}"` : "listing the top level");
    }
  }

  /** A message that says what went wrong where, in words a user can act on. */
  private failure(err: unknown, action: string): Error {
    const name = errorName(err);
    const code = (err as NodeJS.ErrnoException | undefined)?.code ?? "";
    let why = describe(err);
    if (name === "NoSuchBucket") why = "no such bucket";
    else if (CREDENTIAL_ERRORS.has(name) || httpStatus(err) === 403)
      why = `access denied (${name}): check the credentials and the bucket's permissions`;
    else if (NETWORK_ERRORS.has(code) || name === "TimeoutError")
      why = `cannot reach the object store: ${why}`;
    return new Error(`bucket "${this.bucket}" at ${this.endpoint}: ${why} (${action})`, { cause: err });
  }
}

function errorName(err: unknown): string {
  return err instanceof Error ? err.name : "";
}

function httpStatus(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

/** The error's message; connection failures to several addresses come as an AggregateError with none. */
function describe(err: unknown): string {
  if (err instanceof AggregateError && !err.message) return err.errors.map(describe).join("; ");
  if (err instanceof Error) return err.message || (err as NodeJS.ErrnoException).code || err.name;
  return String(err);
}

function withoutUserInfo(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = "";
    parsed.password = "";
    return parsed.toString().replace(/\/$/, "");
  } catch {
    return url;
  }
}
