/**
 * A process's kopia connections, one per backup repository (volume namespace and storage
 * location), each in its own private folder with its config and cache. A connection is made once
 * and shared by everyone asking for it, also while it is being made; one that failed is made
 * anew at the next ask. The server creates repositories; node agents only connect to them.
 */
import { promises as fs } from "node:fs";
import path from "node:path";
import type { BackupStorageLocation } from "../../api/v1/index.js";
import { Memo } from "../../concurrency/memo.js";
import { locationCredentials } from "../../locations/open-location.js";
import type { VeleroClient } from "../../kube/velero-client.js";
import { objectStoreFor } from "../../storage/providers.js";
import { KopiaCli } from "./kopia-cli.js";
import { openRepository } from "./repository.js";
import { repositoryPassword } from "./repository-credentials.js";
import { repositoryStorage, type RepositoryStorage } from "./repository-storage.js";

export interface RepositoryConnection {
  kopia: KopiaCli;
  storage: RepositoryStorage;
}

export class RepositoryConnections {
  readonly #open = new Memo<RepositoryConnection>();

  constructor(
    private readonly velero: VeleroClient,
    /** The kopia program (built on first use when the server needs it). */
    private readonly kopiaBinary: () => Promise<string>,
    /** Where the connections' folders go, made on first use; only this process reads it. */
    private readonly workDir: () => Promise<string>,
    /** Create a repository the location does not hold yet (the server), or refuse (node agents). */
    private readonly create: boolean,
  ) {}

  /** The connection to the repository of `namespace` in storage location `locationName`. */
  connect(locationName: string, namespace: string): Promise<RepositoryConnection> {
    return this.#open.get(`${locationName}/${namespace}`, () => this.make(locationName, namespace));
  }

  private async make(locationName: string, namespace: string): Promise<RepositoryConnection> {
    const location = await this.velero.get<BackupStorageLocation>("backupstoragelocations", locationName);
    if (!location)
      throw new Error(
        `backup storage location ${this.velero.namespace}/${locationName} does not exist: the repository of namespace ${namespace} lives in it`,
      );
    const dir = path.join(await this.workDir(), locationName, namespace);
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    const credentials = await locationCredentials(this.velero, location);
    let caFile: string | undefined;
    if (location.spec.objectStorage.caCert) {
      caFile = path.join(dir, "ca.pem");
      await fs.writeFile(caFile, Buffer.from(location.spec.objectStorage.caCert, "base64"));
    }
    const storage = repositoryStorage(location, namespace, credentials, caFile);
    const kopia = new KopiaCli(
      await this.kopiaBinary(),
      dir,
      await repositoryPassword(this.velero.client, this.velero.namespace),
      storage.env,
    );
    if (this.create) await openRepository(kopia, storage, objectStoreFor(location, credentials));
    else await kopia.connectRepository(storage);
    return { kopia, storage };
  }
}
