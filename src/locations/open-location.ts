import { promises as fs } from "node:fs";
import type { V1Secret } from "@kubernetes/client-node";
import type { BackupStorageLocation } from "../api/v1/index.js";
import { isNotFound } from "../kube/errors.js";
import type { VeleroClient } from "../kube/velero-client.js";
import type { BackupStore } from "../storage/backup-store.js";
import { backupStoreFor } from "../storage/providers.js";

/**
 * The location a backup names, or the default one: the location marked `default: true`,
 * else the one named "default". The error names what exists, so the user can pick.
 */
export async function findLocation(velero: VeleroClient, name?: string): Promise<BackupStorageLocation> {
  // A named location is read by itself: a GET is answered at once, while a LIST made just after
  // a write waits for the API server's watch cache (up to 100 ms). The LIST is for what to say,
  // or to find the default, which is read from that cache: locations change seldom.
  const named = name ? await velero.get<BackupStorageLocation>("backupstoragelocations", name) : undefined;
  if (named) return named;
  const all = await velero.list<BackupStorageLocation>("backupstoragelocations", undefined, {
    fromCache: !name,
  });
  const names = all.map((l) => l.metadata.name).join(", ") || "none";
  if (name) {
    const found = all.find((l) => l.metadata.name === name);
    if (!found) {
      throw new Error(
        `backup storage location "${name}" does not exist in namespace ${velero.namespace} (locations: ${names}): create it with \`velero-ts backup-location create\` or pick another with --storage-location`,
      );
    }
    return found;
  }
  const byDefault = all.find((l) => l.spec.default) ?? all.find((l) => l.metadata.name === "default");
  if (!byDefault) {
    throw new Error(
      `no default backup storage location in namespace ${velero.namespace} (locations: ${names}): name one with --storage-location or create one with \`velero-ts backup-location create default ...\``,
    );
  }
  return byDefault;
}

/**
 * Opens a location's backup store with its credentials: the Secret key the location
 * names, or else the file in AWS_SHARED_CREDENTIALS_FILE (the server's mounted secret).
 */
export async function openBackupStore(
  velero: VeleroClient,
  location: BackupStorageLocation,
): Promise<BackupStore> {
  return backupStoreFor(location, await locationCredentials(velero, location));
}

export async function locationCredentials(
  velero: VeleroClient,
  location: BackupStorageLocation,
): Promise<string | undefined> {
  const ref = location.spec.credential;
  if (ref) {
    let secret: V1Secret;
    try {
      secret = await velero.client.get<V1Secret>(
        `/api/v1/namespaces/${velero.namespace}/secrets/${ref.name}`,
      );
    } catch (err) {
      if (isNotFound(err)) {
        throw new Error(
          `backup storage location "${location.metadata.name}" uses credentials from secret ${ref.name}, which does not exist in namespace ${velero.namespace}`,
        );
      }
      throw err;
    }
    const value = secret.data?.[ref.key];
    if (value === undefined) {
      throw new Error(
        `secret ${ref.name} has no key "${ref.key}" (named by backup storage location "${location.metadata.name}")`,
      );
    }
    return Buffer.from(value, "base64").toString("utf8");
  }
  const file = process.env.AWS_SHARED_CREDENTIALS_FILE;
  return file ? fs.readFile(file, "utf8").catch(() => undefined) : undefined;
}
