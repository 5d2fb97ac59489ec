// The client's side of DownloadRequests, as Velero's CLI uses them: ask the server for a URL to
// one file of a backup or restore, wait for it, and GET it. The CLI never opens the location
// itself, so it needs no credentials of the store and works from anywhere the URL is reachable.
import { randomUUID } from "node:crypto";
import http from "node:http";
import https from "node:https";
import { rootCertificates } from "node:tls";
import type { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { gunzipJson } from "../encoding/gzip-json.js";
import { VELERO_API_VERSION, type DownloadRequest, type DownloadTarget } from "../api/v1/index.js";
import { locationOfTarget } from "../locations/target-store.js";
import { parseBool } from "../storage/providers.js";
import type { VeleroClient } from "./velero-client.js";

export const DEFAULT_DOWNLOAD_TIMEOUT_MS = 60_000;
/** What `describe` waits for each file: Velero's 30 seconds. */
export const DESCRIBE_DOWNLOAD_TIMEOUT_MS = 30_000;
const POLL_MS = 250;

/** The server processed the request but has no such file (Velero's "file not found"). */
export class DownloadNotFoundError extends Error {
  override name = "DownloadNotFoundError";
}

/**
 * The stored bytes of the target's file (gzipped, as in the location), through a DownloadRequest.
 * Fails when the server does not process the request within timeoutMs.
 */
export async function downloadTarget(
  velero: VeleroClient,
  target: DownloadTarget,
  timeoutMs = DEFAULT_DOWNLOAD_TIMEOUT_MS,
): Promise<Readable> {
  const url = await downloadUrl(velero, target, timeoutMs);
  return fetchStream(url, target, url.startsWith("https:") ? await tlsOf(velero, target) : {});
}

/** The TLS settings of the target's location, which an https URL of its store needs as the server does. */
async function tlsOf(velero: VeleroClient, target: DownloadTarget): Promise<https.RequestOptions> {
  const found = await locationOfTarget(velero, target).catch(() => undefined);
  if (!found || "missing" in found) return {};
  const { objectStorage, config = {} } = found.location.spec;
  return {
    ...(objectStorage.caCert
      ? { ca: [...rootCertificates, Buffer.from(objectStorage.caCert, "base64").toString("utf8")] }
      : {}),
    ...(parseBool(config.insecureSkipTLSVerify, "config insecureSkipTLSVerify")
      ? { rejectUnauthorized: false }
      : {}),
  };
}

/** A gzipped JSON side file (results, resource list, volume info), parsed. */
export async function downloadJson<T>(
  velero: VeleroClient,
  target: DownloadTarget,
  timeoutMs = DESCRIBE_DOWNLOAD_TIMEOUT_MS,
): Promise<T> {
  return gunzipJson<T>(await downloadTarget(velero, target, timeoutMs));
}

async function downloadUrl(velero: VeleroClient, target: DownloadTarget, timeoutMs: number): Promise<string> {
  const name = `${target.name}-${randomUUID()}`;
  await velero.create<DownloadRequest>("downloadrequests", {
    apiVersion: VELERO_API_VERSION,
    kind: "DownloadRequest",
    metadata: { name, namespace: velero.namespace },
    spec: { target },
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const request = await velero.get<DownloadRequest>("downloadrequests", name);
    if (request?.status?.phase === "Processed") {
      if (!request.status.downloadURL) throw notFound(target);
      return request.status.downloadURL;
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `timed out waiting for download URL: the velero-ts server did not process DownloadRequest ${name} in namespace ${velero.namespace} within ${Math.round(timeoutMs / 1000)}s; the server may not be running (see \`kubectl -n ${velero.namespace} get deployment/velero\`, or start it with \`velero-ts server\`)`,
      );
    }
    await sleep(POLL_MS);
  }
}

function notFound(target: DownloadTarget): DownloadNotFoundError {
  return new DownloadNotFoundError(`file not found: ${target.kind} of ${target.name}`);
}

function fetchStream(url: string, target: DownloadTarget, tls: https.RequestOptions): Promise<Readable> {
  const get = url.startsWith("https:") ? https.get : http.get;
  return new Promise((resolve, reject) => {
    get(url, tls, (res) => {
      if (res.statusCode === 200) return resolve(res);
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => {
        if (res.statusCode === 404) return reject(notFound(target));
        const body = Buffer.concat(chunks).toString("utf8").trim().slice(0, 500);
        reject(
          new Error(`download of ${target.kind} of ${target.name} failed: HTTP ${res.statusCode}: ${body}`),
        );
      });
    }).on("error", (err) =>
      reject(
        new Error(`cannot reach the download server at ${new URL(url).origin}: ${err.message}`, {
          cause: err,
        }),
      ),
    );
  });
}
