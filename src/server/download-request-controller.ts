import type { Logger } from "pino";
import type { DownloadRequest, DownloadRequestStatus } from "../api/v1/index.js";
import { getByKey, type Cache } from "../kube/informer.js";
import type { VeleroClient } from "../kube/velero-client.js";
import type { Outcome } from "../kube/work-queue.js";
import { storeOfTarget } from "../locations/target-store.js";
import { DOWNLOAD_URL_TTL_MS, downloadLink, isExpired, newDownloadToken } from "./download-links.js";

/**
 * Works DownloadRequests as Velero's controller does: a new request gets a URL to its file
 * (presigned where the store signs URLs, else a link to this server's download listener), phase
 * Processed and an expiration; a request past its expiration, in any phase, is deleted.
 */
export class DownloadRequestController {
  constructor(
    private readonly velero: VeleroClient,
    private readonly requests: Cache<DownloadRequest>,
    private readonly log: Logger,
    /** Where this server's download listener is reached, e.g. http://127.0.0.1:8099. */
    private readonly downloadBase: string,
  ) {}

  async reconcile(key: string): Promise<Outcome> {
    const request = getByKey(this.requests, key);
    if (!request) return "done";
    const name = request.metadata.name!;
    const now = Date.now();
    if (isExpired(request, now)) {
      await this.velero.delete("downloadrequests", name);
      this.log.debug({ downloadRequest: name }, "download request expired, deleted");
      return "done";
    }
    const phase = request.status?.phase;
    if (phase === "Processed") return { retryAfterMs: untilExpired(request, now) };

    const target = request.spec.target;
    const found = await storeOfTarget(this.velero, target);
    let downloadURL = "";
    if ("store" in found) {
      downloadURL =
        (await found.store.downloadTargetUrl(target, DOWNLOAD_URL_TTL_MS)) ??
        downloadLink(this.downloadBase, name, newDownloadToken());
    } else {
      // Processed with no URL: the CLI says the file cannot be had instead of waiting for a timeout.
      this.log.info({ downloadRequest: name, target }, `download request has no file: ${found.missing}`);
    }
    const status: DownloadRequestStatus = {
      phase: "Processed",
      downloadURL,
      expiration: new Date(Date.now() + DOWNLOAD_URL_TTL_MS).toISOString(),
    };
    await this.velero.patchStatus("downloadrequests", name, status);
    return { retryAfterMs: DOWNLOAD_URL_TTL_MS + 1000 };
  }
}

function untilExpired(request: DownloadRequest, now: number): number {
  const expiration = request.status?.expiration;
  return expiration ? Math.max(1000, Date.parse(expiration) - now + 1000) : DOWNLOAD_URL_TTL_MS;
}
