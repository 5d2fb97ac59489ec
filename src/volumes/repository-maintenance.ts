/**
 * Maintenance of the kopia repositories, as Velero's maintenance jobs do it: a repository whose
 * last maintenance is older than its `spec.maintenanceFrequency` gets kopia's full maintenance,
 * which is what gives the space of deleted backups back. Each run is recorded in the
 * BackupRepository's `status.recentMaintenance` (the latest three, as Velero keeps), and a
 * success in `status.lastMaintenanceTime`. Velero's maintenance jobs are known to be killed for
 * running out of memory on big repositories: ours runs kopia with a memory limit (GOMEMLIMIT).
 */
import { parseDuration } from "../api/duration.js";
import { metaTimeNow as stamp, type BackupRepository, type BackupRepositoryStatus } from "../api/v1/index.js";
import { errorMessage } from "../kube/errors.js";
import type { VeleroClient } from "../kube/velero-client.js";
import type { MaintenanceSafety } from "./kopia/kopia-cli.js";
import type { RepositoryConnections } from "./kopia/repository-connections.js";

/** kopia's memory limit in maintenance unless told otherwise (Velero sets none by default). */
export const DEFAULT_MAINTENANCE_MEMORY_LIMIT = "1Gi";

/** How many runs `status.recentMaintenance` keeps (Velero's default). */
const RECENT_MAINTENANCE_KEPT = 3;

export interface MaintenanceOptions {
  safety: MaintenanceSafety;
  /** kopia's memory limit; none when undefined. */
  memoryLimitBytes?: number;
}

type MaintenanceRun = NonNullable<BackupRepositoryStatus["recentMaintenance"]>[number];

/** Whether the repository's maintenance is due at `now` (it never had one, or its frequency has passed). */
export function maintenanceDue(repo: BackupRepository, now: number): boolean {
  if (repo.status?.phase !== "Ready") return false;
  const last = repo.status.lastMaintenanceTime;
  if (!last) return true;
  let frequency: number;
  try {
    frequency = parseDuration(repo.spec.maintenanceFrequency);
  } catch {
    return false; // a frequency that cannot be read means no schedule, as for Velero's
  }
  return frequency > 0 && Date.parse(last) + frequency <= now;
}

/** Runs the repository's full maintenance now and records it; returns the run as recorded. */
export async function maintainRepository(
  velero: VeleroClient,
  connections: RepositoryConnections,
  repo: BackupRepository,
  options: MaintenanceOptions,
): Promise<MaintenanceRun> {
  const startTimestamp = stamp();
  let run: MaintenanceRun;
  try {
    const { kopia } = await connections.connect(repo.spec.backupStorageLocation, repo.spec.volumeNamespace);
    await kopia.maintenance(options.safety, options.memoryLimitBytes);
    run = { startTimestamp, completeTimestamp: stamp(), result: "Succeeded" };
  } catch (err) {
    run = {
      startTimestamp,
      completeTimestamp: stamp(),
      result: "Failed",
      message: `maintenance of backup repository ${repo.metadata.name} failed: ${errorMessage(err)}`,
    };
  }
  await velero.patchStatus<BackupRepository>("backuprepositories", repo.metadata.name!, {
    ...(run.result === "Succeeded" ? { lastMaintenanceTime: run.completeTimestamp } : {}),
    recentMaintenance: [...(repo.status?.recentMaintenance ?? []), run].slice(-RECENT_MAINTENANCE_KEPT),
  });
  return run;
}
