import { VERSION } from "../version.js";
import { isDnsLabel } from "../api/names.js";

export const DEFAULT_NAMESPACE = "velero";
export const DEFAULT_IMAGE = `velero-ts:${VERSION}`;

/** What `velero-ts install` sets up; the names follow `velero install`'s flags. */
export interface InstallOptions {
  namespace: string;
  provider: string;
  bucket: string;
  prefix?: string;
  backupLocationConfig: Record<string, string>;
  /** Given (even empty) or useVolumeSnapshots: a default VolumeSnapshotLocation is installed. */
  snapshotLocationConfig?: Record<string, string>;
  /** The credentials file's content, stored in the Secret cloud-credentials under the key cloud. */
  secretFileContents?: string;
  noSecret: boolean;
  useNodeAgent: boolean;
  useVolumeSnapshots: boolean;
  image: string;
}

/** The object stores velero-ts drives (src/storage/providers.ts). */
const PROVIDERS = ["aws", "velero.io/aws", "filesystem"];
/** Providers whose store needs no credentials, so neither --secret-file nor --no-secret is asked for. */
const PROVIDERS_WITHOUT_CREDENTIALS = ["filesystem"];

export class InstallOptionsError extends Error {
  override name = "InstallOptionsError";
}

/** Refuses options that cannot make a working install, with a message saying what to pass. */
export function validateInstallOptions(o: InstallOptions): void {
  if (!isDnsLabel(o.namespace)) {
    throw new InstallOptionsError(
      `--namespace "${o.namespace}" is not a valid namespace name: use lower-case letters, digits and '-'`,
    );
  }
  if (!o.provider) throw new InstallOptionsError("--provider is required (aws or filesystem)");
  if (!PROVIDERS.includes(o.provider)) {
    throw new InstallOptionsError(
      `--provider ${o.provider} is not supported: use aws (any S3-compatible store) or filesystem`,
    );
  }
  if (!o.bucket) throw new InstallOptionsError("--bucket is required");
  if (o.provider === "filesystem" && !o.backupLocationConfig.path) {
    throw new InstallOptionsError(
      "provider filesystem keeps backups in a directory: pass --backup-location-config path=<directory>",
    );
  }
  if (!o.image) throw new InstallOptionsError("--image must not be empty");
  const hasSecret = o.secretFileContents !== undefined;
  if (hasSecret && o.noSecret) {
    throw new InstallOptionsError("--secret-file and --no-secret cannot be used together: pass one of them");
  }
  if (!hasSecret && !o.noSecret && !PROVIDERS_WITHOUT_CREDENTIALS.includes(o.provider)) {
    throw new InstallOptionsError(
      `provider ${o.provider} needs credentials: pass --secret-file with a credentials file, ` +
        "or --no-secret if the server gets them another way (e.g. an IAM role)",
    );
  }
}
