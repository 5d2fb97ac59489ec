import { setTimeout as sleep } from "node:timers/promises";
import { VELERO_API_VERSION, type ServerStatusRequest } from "../api/v1/index.js";
import type { VeleroClient } from "./velero-client.js";

/** Velero's `version --timeout` default. */
export const DEFAULT_SERVER_STATUS_TIMEOUT_MS = 5000;

/** Asks the server for its status with a ServerStatusRequest, as `velero version` does. */
export async function getServerStatus(
  velero: VeleroClient,
  timeoutMs = DEFAULT_SERVER_STATUS_TIMEOUT_MS,
): Promise<ServerStatusRequest> {
  const deadline = Date.now() + timeoutMs;
  const created = await velero.create<ServerStatusRequest>("serverstatusrequests", {
    apiVersion: VELERO_API_VERSION,
    kind: "ServerStatusRequest",
    metadata: { generateName: "velero-cli-", namespace: velero.namespace },
    spec: {},
  });
  for (;;) {
    const request = await velero.get<ServerStatusRequest>("serverstatusrequests", created.metadata.name!);
    if (request?.status?.phase === "Processed") return request;
    if (Date.now() >= deadline)
      throw new Error(
        `timed out waiting for server status request to be processed: is the velero-ts server running in namespace ${velero.namespace}?`,
      );
    await sleep(250);
  }
}
