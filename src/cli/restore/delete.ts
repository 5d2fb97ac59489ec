import { Command } from "commander";
import type { Restore } from "../../api/v1/index.js";
import { errorMessage } from "../../kube/errors.js";
import { veleroClient, withClientFlags, type ClientFlags } from "../client-flags.js";
import { confirmed } from "../confirm.js";
import { checkDeleteSelection, namedOrSelected } from "../select.js";
import { restoreStore } from "./store-of.js";
import { replacedVolumes } from "../../volumes/replace-rollback.js";
import { REPLACED_CLAIM_ANNOTATION } from "../../api/labels.js";

interface DeleteFlags extends ClientFlags {
  confirm?: boolean;
  all?: boolean;
  selector?: string;
}

export function restoreDeleteCommand(): Command {
  return withClientFlags(new Command("delete"))
    .description(
      "delete restores: their files in the storage location, then the Restore objects (restored objects stay)",
    )
    .argument("[names...]", "names of the restores")
    .option("--all", "delete all restores")
    .option("-l, --selector <selector>", "delete all restores matching this label selector")
    .option("--confirm", "confirm the deletion without asking")
    .action(async (names: string[], flags: DeleteFlags) => {
      checkDeleteSelection("restore", names, flags.all, flags.selector);
      const velero = veleroClient(flags);
      const restores = await namedOrSelected<Restore>(velero, "restores", names, flags.selector);
      if (!restores.length) {
        console.log("No restores found");
        return;
      }
      if (!flags.confirm && !(await confirmed())) {
        console.log("Cancelled.");
        return;
      }
      for (const restore of restores) {
        const name = restore.metadata.name!;
        try {
          await (await restoreStore(velero, restore)()).deleteRestore(name);
        } catch (err) {
          throw new Error(
            `could not delete the files of restore "${name}", so it was kept: ${errorMessage(err)}`,
          );
        }
        await velero.client.request("DELETE", velero.path("restores", name));
        console.log(`Restore "${name}" deleted.`);
        // A replace's old volumes are the user's data: they stay, and say which they are.
        for (const pv of await replacedVolumes(velero.client, name))
          console.log(
            `  kept volume ${pv.metadata?.name}: claim ${pv.metadata?.annotations?.[REPLACED_CLAIM_ANNOTATION]}'s data before this restore replaced it (Retain); delete it with kubectl delete pv ${pv.metadata?.name} once you no longer need it (a rollback is no longer offered)`,
          );
      }
    });
}
