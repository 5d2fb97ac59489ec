import { Command } from "commander";
import { errorMessage } from "../../kube/errors.js";
import { veleroClient, withClientFlags, type ClientFlags } from "../client-flags.js";
import { confirmed } from "../confirm.js";
import { restoreAndStore } from "./store-of.js";

export function restoreDeleteCommand(): Command {
  return withClientFlags(new Command("delete"))
    .description(
      "delete restores: their files in the storage location, then the Restore objects (restored objects stay)",
    )
    .argument("<names...>", "names of the restores")
    .option("--confirm", "confirm the deletion without asking")
    .action(async (names: string[], flags: ClientFlags & { confirm?: boolean }) => {
      const velero = veleroClient(flags);
      const found = [];
      for (const name of names) found.push({ name, ...(await restoreAndStore(velero, name)) });
      if (!flags.confirm && !(await confirmed())) {
        console.log("Cancelled.");
        return;
      }
      for (const { name, store } of found) {
        try {
          await (await store()).deleteRestore(name);
        } catch (err) {
          throw new Error(
            `could not delete the files of restore "${name}", so it was kept: ${errorMessage(err)}`,
          );
        }
        await velero.client.request("DELETE", velero.path("restores", name));
        console.log(`Restore "${name}" deleted.`);
      }
    });
}
