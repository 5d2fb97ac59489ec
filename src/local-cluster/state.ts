import { promises as fs } from "node:fs";
import type { ClusterLayout } from "./layout.js";

/** What `up` records so that `status` and `down` work, even after a crash. */
export interface ClusterState {
  apiServerPort: number;
  etcdClientPort: number;
  etcdPeerPort: number;
  /** Where the velero-ts server serves the files of DownloadRequests (127.0.0.1). */
  downloadServerPort: number;
  nodes: number;
  /** Whether velero-ts is installed into the cluster and its server runs beside it. */
  install: boolean;
  /** The directory of the default backup storage location (provider filesystem). */
  storageDir: string;
  binary: string;
  /** The kopia program the node agents run (when velero-ts is installed). */
  kopia?: string;
  startedAt: string;
}

export async function readState(layout: ClusterLayout): Promise<ClusterState | undefined> {
  try {
    return JSON.parse(await fs.readFile(layout.stateFile, "utf8")) as ClusterState;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new Error(
      `${layout.stateFile} is unreadable (${(err as Error).message}): remove it and run up again`,
    );
  }
}

export async function writeState(layout: ClusterLayout, state: ClusterState): Promise<void> {
  const tmp = `${layout.stateFile}.tmp`;
  await fs.writeFile(tmp, JSON.stringify(state, null, 2) + "\n");
  await fs.rename(tmp, layout.stateFile);
}
