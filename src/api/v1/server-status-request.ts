import type { VeleroObject } from "./meta.js";

/** velero.io/v1 ServerStatusRequest: asks the server for its version and plugins (`velero version`). */
export type ServerStatusRequestSpec = Record<string, never>;

export type ServerStatusRequestPhase = "New" | "Processed";

/** A plugin the server runs; velero-ts' drivers are built in and listed as Velero lists its own. */
export interface PluginInfo {
  name: string;
  kind: string;
}

export interface ServerStatusRequestStatus {
  phase?: ServerStatusRequestPhase;
  processedTimestamp?: string | null;
  serverVersion?: string;
  plugins?: PluginInfo[];
}

export type ServerStatusRequest = VeleroObject<
  "ServerStatusRequest",
  ServerStatusRequestSpec,
  ServerStatusRequestStatus
>;
