import type { Logger } from "pino";
import { parseDuration } from "../api/duration.js";
import type { BackupStorageLocation, BackupStorageLocationStatus } from "../api/v1/index.js";
import { errorMessage } from "../kube/errors.js";
import type { VeleroClient } from "../kube/velero-client.js";
import { openBackupStore } from "../locations/open-location.js";

/**
 * Checks each backup storage location as often as its validationFrequency says (the
 * server's default otherwise) and records Available or Unavailable with the reason.
 */
export class LocationValidator {
  private readonly lastChecked = new Map<string, number>();

  constructor(
    private readonly velero: VeleroClient,
    private readonly log: Logger,
    private readonly defaultFrequencyMs: number,
  ) {}

  async tick(): Promise<void> {
    for (const location of await this.velero.list<BackupStorageLocation>("backupstoragelocations")) {
      const name = location.metadata.name!;
      const frequency = location.spec.validationFrequency
        ? parseDuration(location.spec.validationFrequency)
        : this.defaultFrequencyMs;
      const due = (this.lastChecked.get(name) ?? 0) + frequency;
      // A location never checked (no phase yet) is checked at once, even with validation turned off.
      if (location.status?.phase && (frequency === 0 || Date.now() < due)) continue;
      this.lastChecked.set(name, Date.now());
      await this.validate(location);
    }
  }

  async validate(location: BackupStorageLocation): Promise<BackupStorageLocationStatus> {
    const name = location.metadata.name!;
    let status: BackupStorageLocationStatus;
    try {
      const store = await openBackupStore(this.velero, location);
      await store.validate();
      status = { phase: "Available", lastValidationTime: new Date().toISOString(), message: "" };
    } catch (err) {
      status = {
        phase: "Unavailable",
        lastValidationTime: new Date().toISOString(),
        message: `BackupStorageLocation "${name}" is unavailable: ${errorMessage(err)}`,
      };
    }
    if (status.phase !== location.status?.phase || status.message !== (location.status?.message ?? "")) {
      this.log.info(
        { location: name, phase: status.phase, message: status.message },
        "backup storage location checked",
      );
    }
    await this.velero.patchStatus("backupstoragelocations", name, status);
    return status;
  }
}
