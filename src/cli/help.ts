import type { Command } from "commander";

/**
 * The Examples section of each command that creates something, as Velero's help has, by the
 * command's noun-first path; `create backup` shows those of `backup create`.
 */
const EXAMPLES: Record<string, string[]> = {
  "backup create": [
    "# Create a backup containing all resources.",
    "velero-ts backup create backup1",
    "",
    "# Create a backup including only the nginx namespace.",
    "velero-ts backup create nginx-backup --include-namespaces nginx",
    "",
    "# Create a backup excluding the velero and default namespaces.",
    "velero-ts backup create backup2 --exclude-namespaces velero,default",
    "",
    "# Create a backup in the storage location named s3, and wait until it is done.",
    "velero-ts backup create backup3 --storage-location s3 --wait",
    "",
    "# View the YAML for a backup, without sending it to the server.",
    "velero-ts backup create backup4 -o yaml",
  ],
  "restore create": [
    '# Create a restore named "restore-1" from backup "backup-1".',
    "velero-ts restore create restore-1 --from-backup backup-1",
    "",
    '# Create a restore with a default name ("backup-1-<timestamp>") from backup "backup-1".',
    "velero-ts restore create --from-backup backup-1",
    "",
    '# Create a restore from the latest successful backup triggered by schedule "schedule-1".',
    "velero-ts restore create --from-schedule schedule-1",
    "",
    "# Create a restore for only persistentvolumeclaims and persistentvolumes within a backup.",
    "velero-ts restore create --from-backup backup-2 --include-resources persistentvolumeclaims,persistentvolumes",
    "",
    "# Show what a restore would create, update or skip, changing nothing.",
    "velero-ts restore create --from-backup backup-1 --dry-run",
  ],
  "backup-location create": [
    "# Create a backup storage location on an S3-compatible object store.",
    "velero-ts backup-location create s3 --provider aws --bucket backups --config region=us-east-1,s3Url=http://minio:9000,s3ForcePathStyle=true --credential cloud-credentials=cloud",
    "",
    "# Create a backup storage location in a directory the server can write, and make it the default.",
    "velero-ts backup-location create local --provider filesystem --bucket local --config path=/var/velero-ts --default",
  ],
  install: [
    "# Install velero-ts with a backup location on an S3-compatible store.",
    "velero-ts install --provider aws --bucket backups --secret-file ./credentials-velero --backup-location-config region=us-east-1,s3Url=http://minio:9000,s3ForcePathStyle=true",
    "",
    "# Print what would be installed, as YAML, installing nothing.",
    "velero-ts install --provider filesystem --bucket local --no-secret --dry-run",
  ],
};

/** The path of a command below the root, `backup create`. */
function pathOf(cmd: Command): string[] {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names;
}

/** The Examples text of a command, or undefined when it has none. */
export function examplesOf(cmd: Command): string | undefined {
  const path = pathOf(cmd);
  const lines = EXAMPLES[path.join(" ")] ?? EXAMPLES[[...path].reverse().join(" ")];
  return lines && `\nExamples:\n${lines.map((l) => (l ? `  ${l}` : "")).join("\n")}\n`;
}

/**
 * Finishes the help of every command of the tree: wrapped at `width` (the terminal's width, 80
 * without a terminal) and with its Examples section.
 */
export function finishHelp(root: Command, width = process.stdout.columns || 80): void {
  const visit = (cmd: Command) => {
    cmd.configureHelp({ helpWidth: width });
    const examples = examplesOf(cmd);
    if (examples) cmd.addHelpText("after", examples);
    cmd.commands.forEach(visit);
  };
  visit(root);
}
