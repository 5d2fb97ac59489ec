import type { Logger } from "pino";
import type { BackupRepository } from "../api/v1/index.js";
import type { VeleroClient } from "../kube/velero-client.js";
import type { RepositoryConnections } from "../volumes/kopia/repository-connections.js";
import {
  maintainRepository,
  maintenanceDue,
  type MaintenanceOptions,
} from "../volumes/repository-maintenance.js";

/**
 * The server's maintenance schedule: at each tick, every Ready repository whose maintenance is due
 * gets it, one repository at a time (each is a kopia process of its own, bounded in memory).
 */
export class RepositoryMaintainer {
  constructor(
    private readonly velero: VeleroClient,
    private readonly connections: RepositoryConnections,
    private readonly log: Logger,
    private readonly options: MaintenanceOptions,
  ) {}

  async tick(): Promise<void> {
    for (const repo of await this.velero.list<BackupRepository>("backuprepositories")) {
      if (!maintenanceDue(repo, Date.now())) continue;
      const run = await maintainRepository(this.velero, this.connections, repo, this.options);
      if (run.result === "Succeeded")
        this.log.info({ backupRepository: repo.metadata.name }, "repository maintenance done");
      else
        this.log.warn(
          { backupRepository: repo.metadata.name, err: run.message },
          "repository maintenance failed",
        );
    }
  }
}
