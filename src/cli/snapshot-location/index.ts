/**
 * Velero's `snapshot-location` commands: the VolumeSnapshotLocations native volume snapshots are
 * taken through (`backup create --volume-snapshot-locations`).
 */
import { Command } from "commander";
import { VELERO_API_VERSION, type VolumeSnapshotLocation } from "../../api/v1/index.js";
import { isAlreadyExists } from "../../kube/errors.js";
import { SNAPSHOT_PROVIDERS, volumeSnapshotterFor } from "../../volumes/snapshotters/volume-snapshotter.js";
import { credential, keyValues } from "../backup-location/index.js";
import { commaList, veleroClient, withClientFlags, type ClientFlags } from "../client-flags.js";
import { confirmed } from "../confirm.js";
import { outputFormat, printObjects, printTable, type OutputFormat } from "../output.js";
import { withLabelsColumn, type GetFlags } from "../select.js";
import { labelsFromFlags } from "../submit.js";

const PLURAL = "volumesnapshotlocations";

export interface SnapshotLocationFlags {
  provider: string;
  config?: string[];
  credential?: string;
  labels?: string[];
}

/**
 * The VolumeSnapshotLocation `snapshot-location create` asks for. Refused here, before anything
 * is sent: a provider velero-ts has no volume snapshotter for, a config the provider refuses
 * (its own check), a malformed --config, --credential or --labels.
 */
export function volumeSnapshotLocationFromFlags(
  name: string,
  flags: SnapshotLocationFlags,
  namespace: string,
): VolumeSnapshotLocation {
  if (!SNAPSHOT_PROVIDERS.includes(flags.provider)) {
    throw new Error(
      `velero-ts has no volume snapshotter for provider ${JSON.stringify(flags.provider)}: the providers are ${SNAPSHOT_PROVIDERS.join(", ")}`,
    );
  }
  const labels = labelsFromFlags(flags.labels);
  const location: VolumeSnapshotLocation = {
    apiVersion: VELERO_API_VERSION,
    kind: "VolumeSnapshotLocation",
    metadata: { name, namespace, ...(Object.keys(labels).length ? { labels } : {}) },
    spec: {
      provider: flags.provider,
      config: keyValues(flags.config, "--config"),
      ...(flags.credential ? { credential: credential(flags.credential) } : {}),
    },
  };
  // The provider's own check of its config, the one the server makes before snapshotting.
  volumeSnapshotterFor(location);
  return location;
}

function notFound(names: string[], namespace: string): Error {
  const quoted = names.map((n) => `"${n}"`).join(", ");
  return new Error(
    `volume snapshot location${names.length > 1 ? "s" : ""} ${quoted} not found in namespace ${namespace}: check the name with \`velero-ts snapshot-location get\``,
  );
}

export function snapshotLocationCreateCommand(): Command {
  return withClientFlags(new Command("create"))
    .description("create a volume snapshot location")
    .argument("<name>", "name of the location")
    .requiredOption("--provider <provider>", `volume snapshot provider: ${SNAPSHOT_PROVIDERS.join(", ")}`)
    .option(
      "--config <list>",
      "provider configuration, key=value,... (local-cluster: clusterDir, the absolute directory of `local-cluster up --dir`)",
      commaList,
    )
    .option(
      "--credential <secret=key>",
      "secret and key in the velero namespace holding the credentials of this location",
    )
    .option("--labels <list>", "labels for the location, key=value,...", commaList)
    .option(
      "-o, --output <format>",
      "print the location as json or yaml instead of creating it",
      outputFormat,
    )
    .action(async (name: string, flags: SnapshotLocationFlags & ClientFlags & { output?: OutputFormat }) => {
      const location = volumeSnapshotLocationFromFlags(name, flags, flags.namespace);
      if (flags.output && flags.output !== "table") {
        printObjects([location], flags.output, true);
        return;
      }
      try {
        await veleroClient(flags).create(PLURAL, location);
      } catch (err) {
        if (isAlreadyExists(err))
          throw new Error(`a volume snapshot location named "${name}" already exists`);
        throw err;
      }
      console.log(`Snapshot volume location "${name}" configured successfully.`);
    });
}

export function snapshotLocationGetCommand(): Command {
  return withClientFlags(new Command("get"))
    .description("get volume snapshot locations")
    .argument("[names...]", "names of the locations (default: all)")
    .option("-o, --output <format>", "table, json or yaml", outputFormat, "table")
    .option("-l, --selector <selector>", "only show locations matching this label selector")
    .option("--show-labels", "show labels in the last column")
    .action(async (names: string[], flags: GetFlags) => {
      let locations = await veleroClient(flags).list<VolumeSnapshotLocation>(PLURAL, flags.selector);
      if (names.length) {
        const missing = names.filter((n) => !locations.some((l) => l.metadata.name === n));
        if (missing.length) throw notFound(missing, flags.namespace);
        locations = locations.filter((l) => names.includes(l.metadata.name!));
      }
      if (flags.output !== "table") {
        printObjects(locations, flags.output, names.length === 1);
        return;
      }
      const [headers, rows] = withLabelsColumn(
        ["NAME", "PROVIDER"],
        locations.map((l) => [l.metadata.name!, l.spec.provider]),
        locations,
        flags.showLabels,
      );
      printTable(headers, rows);
    });
}

export function snapshotLocationSetCommand(): Command {
  return withClientFlags(new Command("set"))
    .description("change a volume snapshot location")
    .argument("<name>", "name of the location")
    .requiredOption(
      "--credential <secret=key>",
      "secret and key in the velero namespace holding the credentials of this location",
    )
    .action(async (name: string, flags: ClientFlags & { credential: string }) => {
      const secret = credential(flags.credential);
      const velero = veleroClient(flags);
      if (!(await velero.get(PLURAL, name))) throw notFound([name], flags.namespace);
      await velero.patch(PLURAL, name, { spec: { credential: secret } });
      console.log(`Volume snapshot location "${name}" configured successfully.`);
    });
}

export function snapshotLocationDeleteCommand(): Command {
  return withClientFlags(new Command("delete"))
    .description(
      "delete volume snapshot locations (the snapshots taken through them stay, but cannot be restored or deleted until the location exists again)",
    )
    .argument("<names...>", "names of the locations")
    .option("--confirm", "confirm the deletion without asking")
    .action(async (given: string[], flags: ClientFlags & { confirm?: boolean }) => {
      const names = [...new Set(given)];
      const velero = veleroClient(flags);
      const missing: string[] = [];
      for (const name of names) if (!(await velero.get(PLURAL, name))) missing.push(name);
      if (missing.length) throw notFound(missing, flags.namespace);
      if (!flags.confirm && !(await confirmed())) {
        console.log("Cancelled.");
        return;
      }
      for (const name of names) {
        await velero.delete(PLURAL, name);
        console.log(`Volume snapshot location "${name}" deleted successfully.`);
      }
    });
}

export function snapshotLocationCommand(): Command {
  return new Command("snapshot-location")
    .description("work with volume snapshot locations")
    .addCommand(snapshotLocationCreateCommand())
    .addCommand(snapshotLocationGetCommand())
    .addCommand(snapshotLocationSetCommand())
    .addCommand(snapshotLocationDeleteCommand());
}
