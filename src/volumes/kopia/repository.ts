/**
 * Opening a kopia repository the way Velero's unified repository does: connect when the storage
 * holds one, else create it; and make sure it carries Velero's identity blob, `udmrepo.Repository`
 * (`{"uniqueID": ...}`, the unique ID of kopia's own format blob), without which Velero takes the
 * repository for one it has not initialised yet.
 */
import type { ObjectStore } from "../../storage/object-store.js";
import type { KopiaCli } from "./kopia-cli.js";
import type { RepositoryStorage } from "./repository-storage.js";

/** kopia's format blob: a repository exists once it does. */
const FORMAT_BLOB = "kopia.repository";
/** Velero's identity blob of a repository it initialised. */
export const UDM_REPOSITORY_BLOB = "udmrepo.Repository";

/**
 * Connects `kopia` to the repository in `storage`, creating it first when there is none.
 * `store` is the location's object store, where both blobs are read and written.
 */
export async function openRepository(
  kopia: KopiaCli,
  storage: RepositoryStorage,
  store: ObjectStore,
): Promise<"created" | "connected"> {
  const exists = await store.objectExists(storage.objectKey(FORMAT_BLOB));
  if (exists) await kopia.connectRepository(storage);
  else await kopia.createRepository(storage);
  if (!(await store.objectExists(storage.objectKey(UDM_REPOSITORY_BLOB)))) {
    const format = JSON.parse(await readAll(store, storage.objectKey(FORMAT_BLOB))) as { uniqueID?: string };
    if (!format.uniqueID)
      throw new Error(`the kopia repository at ${storage.identifier} has no unique ID in its format blob`);
    // Go writes a byte slice as base64, as kopia's format blob holds it: the value carries over as is.
    await store.putObject(
      storage.objectKey(UDM_REPOSITORY_BLOB),
      JSON.stringify({ uniqueID: format.uniqueID }),
    );
  }
  return exists ? "connected" : "created";
}

async function readAll(store: ObjectStore, key: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of await store.getObject(key)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
