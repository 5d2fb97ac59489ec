import { Command } from "commander";
import { startNodeAgent } from "../agent/node-agent.js";
import { ensureKopia } from "../volumes/kopia/kopia-build.js";
import { controllerLogger, withControllerOptions } from "./controller-options.js";
import { positiveInteger } from "./number-flag.js";
import { parseDuration } from "../api/duration.js";
import { durationFlag } from "./duration-flag.js";

export function nodeAgentCommand(): Command {
  return withControllerOptions(
    new Command("node-agent").description(
      "run the node agent of one node: backs up and restores the volumes of the pods on it with kopia",
    ),
  )
    .requiredOption("--node-name <name>", "the node this agent serves", process.env.NODE_NAME)
    .option(
      "--host-pods-dir <dir>",
      "the kubelet's pods directory of the node, where pod volumes are mounted",
      "/host_pods",
    )
    .option(
      "--concurrency <n>",
      "volumes moved at once on this node (uploads and downloads of each kind)",
      "1",
    )
    .option(
      "--data-mover-prepare-timeout <duration>",
      "how long the data mover may take to expose a snapshot (its clone, claim and pod) before the DataUpload fails",
      "30m",
    )
    .action(async (opts: Record<string, string>) => {
      const log = controllerLogger(opts.logLevel!, { component: "node-agent", node: opts.nodeName });
      const concurrency = positiveInteger(opts.concurrency!, "--concurrency");
      const agent = await startNodeAgent(
        {
          namespace: opts.namespace!,
          kubeconfig: opts.kubeconfig,
          kubecontext: opts.kubecontext,
          node: opts.nodeName!,
          hostPodsDir: opts.hostPodsDir!,
          kopiaBinary: await ensureKopia(),
          concurrency,
          dataMoverPrepareTimeoutMs: parseDuration(
            durationFlag("--data-mover-prepare-timeout", opts.dataMoverPrepareTimeout)!,
          ),
        },
        log,
      );
      const stop = () => {
        log.info("node agent stopping");
        void agent.stop().finally(() => process.exit(0));
      };
      process.once("SIGTERM", stop);
      process.once("SIGINT", stop);
    });
}
