import { readFile } from "node:fs/promises";
import { Command, InvalidArgumentError, Option } from "commander";
import { applyInstall } from "../install/apply.js";
import { installObjects } from "../install/manifests.js";
import { DEFAULT_IMAGE, DEFAULT_NAMESPACE } from "../install/options.js";
import { OUTPUT_FORMATS, formatManifests, type OutputFormat } from "../install/output.js";
import { loadKubeConfig } from "../kube/config.js";

/**
 * Parses `k1=v1,k2=v2` (Velero's map flags); repeating the flag adds to the map.
 * A value may hold `=`; an entry without `=` or with an empty key is refused, named.
 */
export function parseKeyValuePairs(
  text: string,
  previous: Record<string, string> = {},
): Record<string, string> {
  const result = { ...previous };
  for (const pair of text.split(",")) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new InvalidArgumentError(`"${pair}" is not a key=value pair`);
    result[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return result;
}

interface InstallFlags {
  namespace: string;
  provider?: string;
  bucket?: string;
  prefix?: string;
  backupLocationConfig?: Record<string, string>;
  config?: Record<string, string>;
  snapshotLocationConfig?: Record<string, string>;
  secretFile?: string;
  secret: boolean;
  useNodeAgent?: boolean;
  useVolumeSnapshots?: boolean;
  image: string;
  dryRun?: boolean;
  output?: OutputFormat;
  kubeconfig?: string;
  kubecontext?: string;
}

async function readSecretFile(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (err) {
    throw new Error(`cannot read --secret-file ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export function installCommand(): Command {
  return new Command("install")
    .description(
      "install the velero.io CRDs, the velero-ts server and its default storage locations in a cluster",
    )
    .option("--namespace <namespace>", "the namespace to install into", DEFAULT_NAMESPACE)
    .option(
      "--provider <provider>",
      "the backup storage provider: aws (any S3-compatible store) or filesystem",
    )
    .option("--bucket <bucket>", "the bucket to keep backups in (for filesystem, only a name)")
    .option("--prefix <prefix>", "the path inside the bucket to keep backups under")
    .option(
      "--backup-location-config <k=v,...>",
      "settings of the default backup location",
      parseKeyValuePairs,
    )
    .addOption(
      new Option("--config <k=v,...>", "alias of --backup-location-config").argParser(parseKeyValuePairs),
    )
    .option(
      "--snapshot-location-config <k=v,...>",
      "settings of the default volume snapshot location (installs one)",
      parseKeyValuePairs,
    )
    .option("--secret-file <file>", "the credentials file for the provider; otherwise --no-secret")
    .option("--no-secret", "create no credentials Secret (the server gets credentials another way)")
    .option(
      "--use-node-agent",
      "install the node agent DaemonSet: file-system backups of pod volumes (velero-ts node-agent on every node)",
    )
    .option("--use-volume-snapshots", "install a default VolumeSnapshotLocation")
    .option("--image <image>", "the velero-ts image of the server and the node agent", DEFAULT_IMAGE)
    .option("--dry-run", "print the objects instead of installing them (YAML unless -o says otherwise)")
    .addOption(
      new Option("-o, --output <format>", "print the objects in this format, install nothing").choices(
        OUTPUT_FORMATS,
      ),
    )
    .option("--kubeconfig <file>", "the kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
    .option("--kubecontext <context>", "the kubeconfig context to use")
    .action(async (flags: InstallFlags) => {
      const objects = installObjects({
        namespace: flags.namespace,
        provider: flags.provider ?? "",
        bucket: flags.bucket ?? "",
        prefix: flags.prefix,
        backupLocationConfig: { ...flags.config, ...flags.backupLocationConfig },
        snapshotLocationConfig: flags.snapshotLocationConfig,
        secretFileContents:
          flags.secretFile === undefined ? undefined : await readSecretFile(flags.secretFile),
        noSecret: !flags.secret,
        useNodeAgent: flags.useNodeAgent ?? false,
        useVolumeSnapshots: flags.useVolumeSnapshots ?? false,
        image: flags.image,
      });
      // As with `velero install`, -o only prints.
      if (flags.dryRun || flags.output) {
        process.stdout.write(formatManifests(objects, flags.output ?? "yaml"));
        return;
      }
      await applyInstall(loadKubeConfig(flags.kubeconfig, flags.kubecontext), objects, (line) =>
        console.log(line),
      );
      console.log(
        `velero-ts is installed in namespace ${flags.namespace}. ` +
          `See the server's logs with: kubectl logs deployment/velero -n ${flags.namespace}`,
      );
    });
}
