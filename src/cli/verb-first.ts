import { Command } from "commander";
import {
  backupLocationCreateCommand,
  backupLocationDeleteCommand,
  backupLocationGetCommand,
} from "./backup-location/index.js";
import { backupCreateCommand } from "./backup/create.js";
import { backupDeleteCommand } from "./backup/delete.js";
import { backupDescribeCommand } from "./backup/describe.js";
import { backupGetCommand } from "./backup/get.js";
import { backupLogsCommand } from "./backup/logs.js";
import { restoreCreateCommand } from "./restore/create.js";
import { restoreDeleteCommand } from "./restore/delete.js";
import { restoreDescribeCommand } from "./restore/describe.js";
import { restoreGetCommand } from "./restore/get.js";
import { restoreLogsCommand } from "./restore/logs.js";
import {
  snapshotLocationCreateCommand,
  snapshotLocationDeleteCommand,
  snapshotLocationGetCommand,
} from "./snapshot-location/index.js";

type Verb = "create" | "get" | "describe" | "delete" | "logs";

/** Each noun's commands, by verb. */
const NOUNS: { singular: string; plural: string; commands: Partial<Record<Verb, () => Command>> }[] = [
  {
    singular: "backup",
    plural: "backups",
    commands: {
      create: backupCreateCommand,
      get: backupGetCommand,
      describe: backupDescribeCommand,
      delete: backupDeleteCommand,
      logs: backupLogsCommand,
    },
  },
  {
    singular: "restore",
    plural: "restores",
    commands: {
      create: restoreCreateCommand,
      get: restoreGetCommand,
      describe: restoreDescribeCommand,
      delete: restoreDeleteCommand,
      logs: restoreLogsCommand,
    },
  },
  {
    singular: "backup-location",
    plural: "backup-locations",
    commands: {
      create: backupLocationCreateCommand,
      get: backupLocationGetCommand,
      delete: backupLocationDeleteCommand,
    },
  },
  {
    singular: "snapshot-location",
    plural: "snapshot-locations",
    commands: {
      create: snapshotLocationCreateCommand,
      get: snapshotLocationGetCommand,
      delete: snapshotLocationDeleteCommand,
    },
  },
];

/** The verbs, and whether each names its noun plural first (`get backups`) as Velero's do. */
const VERBS: { verb: Verb; description: string; pluralFirst: boolean }[] = [
  { verb: "create", description: "create velero-ts resources", pluralFirst: false },
  { verb: "get", description: "get velero-ts resources", pluralFirst: true },
  { verb: "describe", description: "describe velero-ts resources", pluralFirst: true },
  { verb: "delete", description: "delete velero-ts resources", pluralFirst: false },
  { verb: "logs", description: "show the logs of velero-ts resources", pluralFirst: false },
];

/**
 * Velero's kubectl-like forms, verb first: `create backup b1`, `get backups`, `describe restore r1`,
 * `delete backup b1`, `logs backup b1`, `get backup-locations`, with the noun singular or plural.
 * Each is the same command as `<noun> <verb>`.
 */
export function verbFirstCommands(): Command[] {
  return VERBS.map(({ verb, description, pluralFirst }) => {
    const cmd = new Command(verb).description(description);
    for (const noun of NOUNS) {
      const make = noun.commands[verb];
      if (!make) continue;
      const [name, alias] = pluralFirst ? [noun.plural, noun.singular] : [noun.singular, noun.plural];
      cmd.addCommand(make().name(name).alias(alias));
    }
    return cmd;
  });
}
