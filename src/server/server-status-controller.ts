import type { Logger } from "pino";
import type { PluginInfo, ServerStatusRequest, ServerStatusRequestStatus } from "../api/v1/index.js";
import { getByKey, type Cache } from "../kube/informer.js";
import type { VeleroClient } from "../kube/velero-client.js";
import type { Outcome } from "../kube/work-queue.js";
import { VERSION } from "../version.js";

/** How long an answered request stays before it is deleted: Velero's one minute. */
export const SERVER_STATUS_TTL_MS = 60_000;

/** The object-store drivers built into the server, named as Velero lists its plugins. */
export const BUILT_IN_PLUGINS: PluginInfo[] = [
  { name: "velero.io/aws", kind: "ObjectStore" },
  { name: "velero-ts.io/filesystem", kind: "ObjectStore" },
];

/** Answers ServerStatusRequests (`velero-ts version`) with the server's version and plugins. */
export class ServerStatusController {
  constructor(
    private readonly velero: VeleroClient,
    private readonly requests: Cache<ServerStatusRequest>,
    private readonly log: Logger,
  ) {}

  async reconcile(key: string): Promise<Outcome> {
    const request = getByKey(this.requests, key);
    if (!request) return "done";
    const name = request.metadata.name!;
    const processed = request.status?.processedTimestamp;
    if (request.status?.phase === "Processed") {
      const left = (processed ? Date.parse(processed) : 0) + SERVER_STATUS_TTL_MS - Date.now();
      if (left > 0) return { retryAfterMs: left + 1000 };
      await this.velero.delete("serverstatusrequests", name);
      return "done";
    }
    const status: ServerStatusRequestStatus = {
      phase: "Processed",
      processedTimestamp: new Date().toISOString(),
      serverVersion: VERSION,
      plugins: BUILT_IN_PLUGINS,
    };
    await this.velero.patchStatus("serverstatusrequests", name, status);
    this.log.debug({ serverStatusRequest: name }, "server status request processed");
    return { retryAfterMs: SERVER_STATUS_TTL_MS + 1000 };
  }
}
