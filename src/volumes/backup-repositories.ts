/**
 * BackupRepositories as Velero's server keeps them: one per volume namespace, storage location
 * and repository type, found by its three labels, made with generateName `<ns>-<location>-kopia-`
 * when there is none, its kopia repository created in the location (or connected to), then
 * phase Ready; NotReady with kopia's error when the repository cannot be opened.
 */
import { REPOSITORY_TYPE_LABEL, STORAGE_LOCATION_LABEL, VOLUME_NAMESPACE_LABEL } from "../api/labels.js";
import { metaTimeNow, VELERO_API_VERSION, type BackupRepository } from "../api/v1/index.js";
import { Memo } from "../concurrency/memo.js";
import { labelValue } from "../filters/label-value.js";
import { errorMessage } from "../kube/errors.js";
import type { VeleroClient } from "../kube/velero-client.js";
import type { RepositoryConnections } from "./kopia/repository-connections.js";

const REPOSITORY_TYPE = "kopia";
/** Velero's default maintenance frequency of kopia repositories. */
export const MAINTENANCE_FREQUENCY = "1h0m0s";

export class BackupRepositories {
  readonly #ready = new Memo<BackupRepository>();

  constructor(
    private readonly velero: VeleroClient,
    private readonly connections: RepositoryConnections,
  ) {}

  /** The Ready repository of `namespace` in `location`, made when missing; shared while being made. */
  ensure(location: string, namespace: string): Promise<BackupRepository> {
    return this.#ready.get(`${location}/${namespace}`, () => this.make(location, namespace));
  }

  private async make(location: string, namespace: string): Promise<BackupRepository> {
    const labels = {
      [VOLUME_NAMESPACE_LABEL]: labelValue(namespace),
      [STORAGE_LOCATION_LABEL]: labelValue(location),
      [REPOSITORY_TYPE_LABEL]: REPOSITORY_TYPE,
    };
    const selector = Object.entries(labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(",");
    let repo = (await this.velero.list<BackupRepository>("backuprepositories", selector))[0];
    let connection;
    try {
      connection = await this.connections.connect(location, namespace);
    } catch (err) {
      const message = `could not open the kopia repository of namespace ${namespace} in backup storage location ${location}: ${errorMessage(err)}`;
      if (repo)
        await this.velero.patchStatus("backuprepositories", repo.metadata.name!, {
          phase: "NotReady",
          message,
        });
      throw new Error(message);
    }
    repo ??= await this.velero.create<BackupRepository>("backuprepositories", {
      apiVersion: VELERO_API_VERSION,
      kind: "BackupRepository",
      metadata: {
        generateName: `${namespace}-${location}-${REPOSITORY_TYPE}-`,
        namespace: this.velero.namespace,
        labels,
      },
      spec: {
        volumeNamespace: namespace,
        backupStorageLocation: location,
        repositoryType: REPOSITORY_TYPE,
        resticIdentifier: connection.storage.identifier,
        maintenanceFrequency: MAINTENANCE_FREQUENCY,
      },
    });
    if (repo.status?.phase !== "Ready")
      repo = await this.velero.patchStatus<BackupRepository>("backuprepositories", repo.metadata.name!, {
        phase: "Ready",
        message: "",
        // A new repository has nothing to maintain: its first maintenance is one frequency away, as Velero's.
        ...(repo.status?.lastMaintenanceTime ? {} : { lastMaintenanceTime: metaTimeNow() }),
      });
    return repo;
  }
}
