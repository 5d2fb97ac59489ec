import type { V1CustomResourceDefinition } from "@kubernetes/client-node";
import { SCHEDULE_PHASES } from "../v1/schedule.js";
import { backupSpecSchema } from "./backup.js";
import { veleroCrd } from "./crd.js";
import {
  boolean,
  object,
  oneOf,
  optionalBoolean,
  string,
  stringList,
  timestamp,
  type JsonSchema,
} from "./schema.js";

const spec: JsonSchema = object(
  "The backups to make, and when.",
  {
    template: backupSpecSchema,
    schedule: string("A cron expression saying when to run a backup."),
    useOwnerReferencesInBackup: optionalBoolean("Whether the schedule is the owner of the backups it makes."),
    paused: boolean("Whether the schedule makes no backups for now."),
    skipImmediately: optionalBoolean("Whether the first backup waits for the next scheduled time."),
  },
  { required: ["schedule", "template"] },
);

const status: JsonSchema = object("Where the schedule is.", {
  phase: oneOf(SCHEDULE_PHASES, "Whether the schedule is valid and running."),
  lastBackup: timestamp("When the schedule last made a backup."),
  lastSkipped: timestamp("When the schedule last skipped a backup."),
  validationErrors: stringList("Why the spec was refused."),
});

/** schedules.velero.io */
export function scheduleCrd(): V1CustomResourceDefinition {
  return veleroCrd({
    kind: "Schedule",
    plural: "schedules",
    description: "A backup made again and again on a cron schedule.",
    spec,
    status,
    printerColumns: [
      { name: "Status", type: "string", jsonPath: ".status.phase", description: "Status of the schedule" },
      {
        name: "Schedule",
        type: "string",
        jsonPath: ".spec.schedule",
        description: "A Cron expression defining when to run the Backup",
      },
      {
        name: "LastBackup",
        type: "date",
        jsonPath: ".status.lastBackup",
        description: "The last time a Backup was run for this schedule",
      },
      { name: "Paused", type: "boolean", jsonPath: ".spec.paused" },
    ],
  });
}
