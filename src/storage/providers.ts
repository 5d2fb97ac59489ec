import type { BackupStorageLocation } from "../api/v1/index.js";
import { AwsObjectStore } from "./aws.js";
import { BackupStore } from "./backup-store.js";
import { FilesystemObjectStore } from "./filesystem.js";
import type { ObjectStore } from "./object-store.js";

/**
 * The object store a backup storage location points at. `credentialsFile` is the content of the
 * location's credential (an AWS shared credentials file for "aws").
 */
export function objectStoreFor(location: BackupStorageLocation, credentialsFile?: string): ObjectStore {
  const { provider, objectStorage, config = {} } = location.spec;
  const where = `backup storage location ${location.metadata.name ?? ""}`;
  switch (provider) {
    case "filesystem":
      // The bucket is only a name here: objects live right under config.path.
      if (!config.path) throw new Error(`${where}: provider filesystem needs config path=<directory>`);
      return new FilesystemObjectStore(config.path);
    case "aws":
    case "velero.io/aws":
      return new AwsObjectStore({
        bucket: objectStorage.bucket,
        region: config.region || undefined,
        s3Url: config.s3Url || undefined,
        s3ForcePathStyle: parseBool(config.s3ForcePathStyle, `${where}: config s3ForcePathStyle`),
        profile: config.profile || "default",
        credentialsFile,
        caCert: objectStorage.caCert
          ? Buffer.from(objectStorage.caCert, "base64").toString("utf8")
          : undefined,
        insecureSkipTLSVerify: parseBool(
          config.insecureSkipTLSVerify,
          `${where}: config insecureSkipTLSVerify`,
        ),
      });
    default:
      throw new Error(
        `unknown provider "${provider}": velero-ts supports "filesystem" and "aws" (any S3-compatible store)`,
      );
  }
}

export function backupStoreFor(location: BackupStorageLocation, credentialsFile?: string): BackupStore {
  return new BackupStore(objectStoreFor(location, credentialsFile), location.spec.objectStorage.prefix ?? "");
}

/** Go's strconv.ParseBool, which Velero's AWS plugin uses for these settings; unset is false. */
export function parseBool(value: string | undefined, what: string): boolean {
  if (value === undefined || value === "") return false;
  if (["1", "t", "T", "TRUE", "true", "True"].includes(value)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(value)) return false;
  throw new Error(`${what} must be "true" or "false", not ${JSON.stringify(value)}`);
}
