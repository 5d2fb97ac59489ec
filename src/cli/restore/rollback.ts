import { Command } from "commander";
import type { Restore } from "../../api/v1/index.js";
import { rollBack } from "../../volumes/replace-rollback.js";
import { veleroClient, withClientFlags, type ClientFlags } from "../client-flags.js";

export function restoreRollbackCommand(): Command {
  return withClientFlags(new Command("rollback"))
    .description(
      "put back the volumes a data-only restore by replace took from its claims (their workloads are stopped and started again)",
    )
    .argument("<name>", "name of the restore")
    .action(async (name: string, flags: ClientFlags) => {
      const velero = veleroClient(flags);
      const restore = await velero.get<Restore>("restores", name);
      if (!restore) throw new Error(`restore "${name}" not found: velero-ts restore get lists the restores`);
      await rollBack(velero.client, name, (line) => console.log(line));
      console.log(`Restore "${name}" rolled back.`);
    });
}
