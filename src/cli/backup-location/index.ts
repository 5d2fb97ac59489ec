import { Command, InvalidArgumentError } from "commander";
import { readFileSync } from "node:fs";
import { STORAGE_LOCATION_LABEL } from "../../api/labels.js";
import { parseDuration } from "../../api/duration.js";
import {
  VELERO_API_VERSION,
  type Backup,
  type BackupStorageLocation,
  type BackupStorageLocationAccessMode,
} from "../../api/v1/index.js";
import { isAlreadyExists } from "../../kube/errors.js";
import type { VeleroClient } from "../../kube/velero-client.js";
import { commaList, veleroClient, withClientFlags, type ClientFlags } from "../client-flags.js";
import { formatTimestamp, outputFormat, printObjects, printTable, type OutputFormat } from "../output.js";
import { withLabelsColumn, type GetFlags } from "../select.js";

function accessMode(value: string): BackupStorageLocationAccessMode {
  if (value === "ReadWrite" || value === "ReadOnly") return value;
  throw new InvalidArgumentError("must be ReadWrite or ReadOnly");
}

function duration(value: string): string {
  try {
    parseDuration(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
  return value;
}

/** "k=v" pairs into a map; a malformed pair is named in the error. */
export function keyValues(pairs: string[] | undefined, flag: string): Record<string, string> {
  const map: Record<string, string> = {};
  for (const pair of pairs ?? []) {
    const i = pair.indexOf("=");
    if (i <= 0) throw new Error(`${flag}: "${pair}" is not key=value`);
    map[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return map;
}

/** `--credential secret-name=key` as a SecretKeySelector; a malformed value is named in the error. */
export function credential(value: string | undefined): { name: string; key: string } | undefined {
  if (!value) return undefined;
  const [name, key, extra] = value.split("=");
  if (!name || !key || extra !== undefined)
    throw new Error(`--credential: "${value}" is not secret-name=key`);
  return { name, key };
}

/** Marks one location the default and clears the mark on every other. */
async function makeDefault(velero: VeleroClient, name: string): Promise<void> {
  for (const other of await velero.list<BackupStorageLocation>("backupstoragelocations")) {
    if (other.metadata.name !== name && other.spec.default) {
      await velero.patch("backupstoragelocations", other.metadata.name!, { spec: { default: false } });
    }
  }
  await velero.patch("backupstoragelocations", name, { spec: { default: true } });
}

interface LocationFlags extends ClientFlags {
  provider: string;
  bucket: string;
  prefix?: string;
  config?: string[];
  credential?: string;
  default?: boolean;
  accessMode?: BackupStorageLocationAccessMode;
  backupSyncPeriod?: string;
  validationFrequency?: string;
  cacert?: string;
  output?: OutputFormat;
}

export function backupLocationCreateCommand(): Command {
  return withClientFlags(new Command("create"))
    .description("create a backup storage location")
    .argument("<name>", "name of the location")
    .requiredOption(
      "--provider <provider>",
      "object store provider: filesystem or aws (any S3-compatible store)",
    )
    .requiredOption("--bucket <bucket>", "bucket to keep backups in")
    .option("--prefix <prefix>", "prefix under the bucket")
    .option(
      "--config <list>",
      "provider configuration, key=value,... (aws: region,s3Url,s3ForcePathStyle,profile; filesystem: path)",
      commaList,
    )
    .option("--credential <secret=key>", "secret and key in the velero namespace holding the credentials")
    .option("--default", "make this the default location")
    .option("--access-mode <mode>", "ReadWrite or ReadOnly", accessMode, "ReadWrite")
    .option("--backup-sync-period <duration>", "how often to sync backups from this location", duration)
    .option("--validation-frequency <duration>", "how often to check this location", duration)
    .option("--cacert <file>", "file with the PEM CA bundle of the object store")
    .option(
      "-o, --output <format>",
      "print the location as json or yaml instead of creating it",
      outputFormat,
    )
    .action(async (name: string, flags: LocationFlags) => {
      const location: BackupStorageLocation = {
        apiVersion: VELERO_API_VERSION,
        kind: "BackupStorageLocation",
        metadata: { name, namespace: flags.namespace },
        spec: {
          provider: flags.provider,
          objectStorage: {
            bucket: flags.bucket,
            ...(flags.prefix ? { prefix: flags.prefix } : {}),
            ...(flags.cacert ? { caCert: readFileSync(flags.cacert).toString("base64") } : {}),
          },
          config: keyValues(flags.config, "--config"),
          ...(flags.credential ? { credential: credential(flags.credential) } : {}),
          accessMode: flags.accessMode ?? "ReadWrite",
          ...(flags.backupSyncPeriod ? { backupSyncPeriod: flags.backupSyncPeriod } : {}),
          ...(flags.validationFrequency ? { validationFrequency: flags.validationFrequency } : {}),
        },
      };
      if (flags.output && flags.output !== "table") {
        printObjects([location], flags.output, true);
        return;
      }
      const velero = veleroClient(flags);
      try {
        await velero.create("backupstoragelocations", location);
      } catch (err) {
        if (isAlreadyExists(err)) throw new Error(`a backup storage location named "${name}" already exists`);
        throw err;
      }
      if (flags.default) await makeDefault(velero, name);
      console.log(`Backup storage location "${name}" configured successfully.`);
    });
}

export function backupLocationGetCommand(): Command {
  return withClientFlags(new Command("get"))
    .description("get backup storage locations")
    .argument("[name]", "name of one location")
    .option("--default", "show only the default location")
    .option("-o, --output <format>", "table, json or yaml", outputFormat, "table")
    .option("-l, --selector <selector>", "only show locations matching this label selector")
    .option("--show-labels", "show labels in the last column")
    .action(async (name: string | undefined, flags: GetFlags & { default?: boolean }) => {
      let locations = await veleroClient(flags).list<BackupStorageLocation>(
        "backupstoragelocations",
        flags.selector,
      );
      if (name) locations = locations.filter((l) => l.metadata.name === name);
      if (flags.default) locations = locations.filter((l) => l.spec.default);
      if (name && !locations.length) throw new Error(`backup storage location "${name}" not found`);
      if (flags.output !== "table") {
        printObjects(locations, flags.output, Boolean(name));
        return;
      }
      const [headers, rows] = withLabelsColumn(
        ["NAME", "PROVIDER", "BUCKET/PREFIX", "PHASE", "LAST VALIDATED", "ACCESS MODE", "DEFAULT"],
        locations.map((l) => [
          l.metadata.name!,
          l.spec.provider,
          l.spec.objectStorage.prefix
            ? `${l.spec.objectStorage.bucket}/${l.spec.objectStorage.prefix}`
            : l.spec.objectStorage.bucket,
          l.status?.phase ?? "Unknown",
          formatTimestamp(l.status?.lastValidationTime),
          l.spec.accessMode ?? "ReadWrite",
          l.spec.default ? "true" : "",
        ]),
        locations,
        flags.showLabels,
      );
      printTable(headers, rows);
    });
}

export function backupLocationSetCommand(): Command {
  return withClientFlags(new Command("set"))
    .description("change a backup storage location")
    .argument("<name>", "name of the location")
    .option("--default", "make this the default location")
    .option("--credential <secret=key>", "secret and key in the velero namespace holding the credentials")
    .option("--cacert <file>", "file with the PEM CA bundle of the object store")
    .option("--access-mode <mode>", "ReadWrite or ReadOnly", accessMode)
    .action(async (name: string, flags: Partial<LocationFlags> & ClientFlags) => {
      const velero = veleroClient(flags);
      if (!(await velero.get("backupstoragelocations", name)))
        throw new Error(`backup storage location "${name}" not found`);
      const spec = {
        ...(flags.credential ? { credential: credential(flags.credential) } : {}),
        ...(flags.cacert ? { objectStorage: { caCert: readFileSync(flags.cacert).toString("base64") } } : {}),
        ...(flags.accessMode ? { accessMode: flags.accessMode } : {}),
      };
      if (Object.keys(spec).length) await velero.patch("backupstoragelocations", name, { spec });
      if (flags.default) await makeDefault(velero, name);
      console.log(`Backup storage location "${name}" configured successfully.`);
    });
}

export function backupLocationDeleteCommand(): Command {
  return withClientFlags(new Command("delete"))
    .description("delete a backup storage location and the Backup objects of its backups (their files stay)")
    .argument("<name>", "name of the location")
    .option("--confirm", "confirm the deletion")
    .action(async (name: string, flags: ClientFlags & { confirm?: boolean }) => {
      if (!flags.confirm) throw new Error("add --confirm to delete the location and its Backup objects");
      const velero = veleroClient(flags);
      if (!(await velero.get("backupstoragelocations", name)))
        throw new Error(`backup storage location "${name}" not found`);
      await velero.delete("backupstoragelocations", name);
      const backups = await velero.list<Backup>("backups", `${STORAGE_LOCATION_LABEL}=${name}`);
      for (const b of backups) await velero.delete("backups", b.metadata.name!);
      console.log(
        `Backup storage location "${name}" deleted successfully, with ${backups.length} Backup object(s).`,
      );
    });
}

export function backupLocationCommand(): Command {
  return new Command("backup-location")
    .description("work with backup storage locations")
    .addCommand(backupLocationCreateCommand())
    .addCommand(backupLocationGetCommand())
    .addCommand(backupLocationSetCommand())
    .addCommand(backupLocationDeleteCommand());
}
