import { Command } from "commander";
import { KubeClient } from "../kube/client.js";
import { loadKubeConfig } from "../kube/config.js";
import { DEFAULT_NAMESPACE } from "../install/options.js";
import { uninstall } from "../install/uninstall.js";
import { confirmed } from "./confirm.js";

export function uninstallCommand(): Command {
  return new Command("uninstall")
    .description(
      "uninstall velero-ts: its namespace, its ClusterRoleBinding and the velero.io CRDs (kept while another install uses them)",
    )
    .option("--namespace <namespace>", "the namespace velero-ts is installed in", DEFAULT_NAMESPACE)
    .option("--force", "uninstall without asking for confirmation")
    .option("--wait", "deprecated, as in Velero: uninstall always waits for the namespace to be gone")
    .option("--kubeconfig <file>", "the kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
    .option("--kubecontext <context>", "the kubeconfig context to use")
    .action(
      async (flags: {
        namespace: string;
        force?: boolean;
        wait?: boolean;
        kubeconfig?: string;
        kubecontext?: string;
      }) => {
        if (flags.wait)
          console.log(
            'Warning: the "--wait" option is deprecated and will be removed in a future release. The uninstall command always waits for the uninstall to complete.',
          );
        if (!flags.force) {
          console.log("You are about to uninstall Velero.");
          if (!(await confirmed("--force"))) return;
        }
        const client = new KubeClient(loadKubeConfig(flags.kubeconfig, flags.kubecontext));
        try {
          await uninstall(client, flags.namespace, (line) => console.log(line));
        } finally {
          client.close();
        }
      },
    );
}
