/**
 * Where the kopia repository of one volume namespace lives in a backup storage location:
 * `<prefix>/kopia/<namespace>/`, as Velero lays it out. A `filesystem` location keeps it in a
 * directory; an `aws` location (or any with `s3Url`) in its bucket, through kopia's S3 client.
 * Keys reach kopia through its environment, never its command line (which other users can see).
 */
import type { BackupStorageLocation } from "../../api/v1/index.js";
import { credentialsFromFile } from "../../storage/aws-credentials.js";
import { kopiaRepositoryDir } from "../../storage/keys.js";
import { parseBool } from "../../storage/providers.js";

export interface RepositoryStorage {
  /** The kopia storage type and its flags: `filesystem --path=...` or `s3 --bucket=...`. */
  flags: string[];
  /** What kopia needs in its environment (S3 keys). */
  env: Record<string, string>;
  /** Where the repository is, for messages and BackupRepository's `resticIdentifier`. */
  identifier: string;
  /** The key, in the location's object store, of a blob kopia keeps unsharded (`kopia.repository`). */
  objectKey(blobId: string): string;
}

/**
 * The repository storage of `namespace` in `location`. `credentialsFile` is the location's
 * credential (an AWS shared credentials file); `caFile` holds the location's CA, when it has one.
 */
export function repositoryStorage(
  location: BackupStorageLocation,
  namespace: string,
  credentialsFile?: string,
  caFile?: string,
): RepositoryStorage {
  const { provider, objectStorage, config = {} } = location.spec;
  const where = `backup storage location ${location.metadata.name ?? ""}`;
  const prefix = objectStorage.prefix ? `${objectStorage.prefix.replace(/\/+$/, "")}/` : "";
  const inLocation = kopiaRepositoryDir(namespace);
  switch (provider) {
    case "filesystem": {
      if (!config.path) throw new Error(`${where}: provider filesystem needs config path=<directory>`);
      const dir = `${config.path.replace(/\/+$/, "")}/${prefix}${inLocation}`;
      return {
        flags: ["filesystem", `--path=${dir}`],
        env: {},
        identifier: dir,
        // kopia's filesystem storage adds ".f" to each blob's file name.
        objectKey: (blobId) => `${prefix}${inLocation}${blobId}.f`,
      };
    }
    case "aws":
    case "velero.io/aws": {
      const keys = credentialsFile
        ? credentialsFromFile(credentialsFile, config.profile || "default")
        : undefined;
      const url = config.s3Url ? new URL(config.s3Url) : undefined;
      const endpoint = url ? url.host : `s3.${config.region || "us-east-1"}.amazonaws.com`;
      const insecure = parseBool(config.insecureSkipTLSVerify, `${where}: config insecureSkipTLSVerify`);
      return {
        flags: [
          "s3",
          `--bucket=${objectStorage.bucket}`,
          `--prefix=${prefix}${inLocation}`,
          `--endpoint=${endpoint}`,
          ...(config.region ? [`--region=${config.region}`] : []),
          ...(url?.protocol === "http:" ? ["--disable-tls"] : []),
          ...(insecure ? ["--disable-tls-verification"] : []),
          ...(caFile ? [`--root-ca-pem-path=${caFile}`] : []),
        ],
        env: keys
          ? {
              AWS_ACCESS_KEY_ID: keys.accessKeyId,
              AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
              ...(keys.sessionToken ? { AWS_SESSION_TOKEN: keys.sessionToken } : {}),
            }
          : {},
        // Velero's identifier keeps restic's form (and its "restic" folder name) for kopia too.
        identifier: `s3:${url ? `${url.protocol}//${url.host}` : `s3-${config.region || "us-east-1"}.amazonaws.com`}/${objectStorage.bucket}/${prefix}restic/${namespace}`,
        objectKey: (blobId) => `${prefix}${inLocation}${blobId}`,
      };
    }
    default:
      throw new Error(
        `${where} has provider "${provider}": file-system backups need a "filesystem" or "aws" location`,
      );
  }
}
