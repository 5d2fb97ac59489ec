import http from "node:http";
import type { AddressInfo } from "node:net";
import { pipeline } from "node:stream/promises";
import type { Logger } from "pino";
import type { DownloadRequest } from "../api/v1/index.js";
import { errorMessage } from "../kube/errors.js";
import type { VeleroClient } from "../kube/velero-client.js";
import { storeOfTarget } from "../locations/target-store.js";
import { ObjectNotFoundError } from "../storage/object-store.js";
import { checkDownloadLink, parseDownloadPath } from "./download-links.js";

export const DEFAULT_DOWNLOAD_SERVER_ADDRESS = "127.0.0.1:8099";

export interface DownloadServer {
  /** The base of the links handed out: the --download-server-url, else http://<bound address>. */
  base: string;
  close(): void;
}

/**
 * Serves the files of DownloadRequests whose location cannot presign URLs (filesystem): GET
 * /download/<request>/<token> streams the one file that request names, while it has not expired.
 * The request is read from the API server on each GET, so a link works right after it was issued.
 */
export async function startDownloadServer(
  address: string,
  publicUrl: string | undefined,
  velero: VeleroClient,
  log: Logger,
): Promise<DownloadServer> {
  const { host, port } = parseAddress(address);
  const server = http.createServer((req, res) => {
    serve(req, res, velero, log).catch((err: unknown) => {
      log.warn({ err: errorMessage(err) }, "serving a download failed");
      if (!res.headersSent) reply(res, 500, "the file could not be read");
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          `the download server cannot listen on ${address} (${err.code ?? err.message}): choose another with --download-server-address`,
        ),
      ),
    );
    server.listen(port, host, resolve);
  });
  const bound = server.address() as AddressInfo;
  const base = publicUrl ?? `http://${linkHost(bound)}:${bound.port}`;
  log.info({ address: `${bound.address}:${bound.port}`, base }, "download server listening");
  return { base, close: () => server.close() };
}

async function serve(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  velero: VeleroClient,
  log: Logger,
): Promise<void> {
  if (req.method !== "GET") return reply(res, 405, "only GET is served");
  const link = parseDownloadPath(new URL(req.url ?? "/", "http://x").pathname);
  if (!link) return reply(res, 404, "not a download link");
  const request = await velero.get<DownloadRequest>("downloadrequests", link.requestName);
  const check = checkDownloadLink(request, link.requestName, link.token, Date.now());
  if (!check.ok) {
    log.info(
      { downloadRequest: link.requestName, status: check.status },
      `download refused: ${check.reason}`,
    );
    return reply(res, check.status, check.reason);
  }
  const target = request!.spec.target;
  const found = await storeOfTarget(velero, target);
  if ("missing" in found) return reply(res, 404, found.missing);
  let body;
  try {
    body = await found.store.getDownloadTarget(target);
  } catch (err) {
    if (err instanceof ObjectNotFoundError)
      return reply(res, 404, `${target.kind} of ${target.name} not found`);
    throw err;
  }
  res.writeHead(200, { "content-type": "application/octet-stream" });
  await pipeline(body, res);
  log.info({ downloadRequest: link.requestName, target }, "download served");
}

/** The host links name: an unspecified address (every interface) is reached at 127.0.0.1, as through a port-forward. */
function linkHost(bound: AddressInfo): string {
  if (bound.address === "0.0.0.0" || bound.address === "::") return "127.0.0.1";
  return bound.family === "IPv6" ? `[${bound.address}]` : bound.address;
}

function reply(res: http.ServerResponse, status: number, message: string): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
  res.end(`${message}\n`);
}

/** "host:port" (":port" listens on every address), as Velero's --metrics-address. */
export function parseAddress(address: string): { host: string | undefined; port: number } {
  const at = address.lastIndexOf(":");
  const port = Number(address.slice(at + 1));
  if (at < 0 || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--download-server-address must be host:port, such as 127.0.0.1:8099, not "${address}"`);
  }
  const host = address.slice(0, at).replace(/^\[(.*)\]$/, "$1");
  return { host: host || undefined, port };
}
