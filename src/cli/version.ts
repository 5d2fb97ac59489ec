import { Command } from "commander";
import { KubeClient } from "../kube/client.js";
import { loadKubeConfig } from "../kube/config.js";
import { errorMessage } from "../kube/errors.js";
import { VeleroClient } from "../kube/velero-client.js";
import { DEFAULT_SERVER_STATUS_TIMEOUT_MS, getServerStatus } from "../kube/server-status.js";
import { VERSION } from "../version.js";
import { withClientFlags, type ClientFlags } from "./client-flags.js";
import { timeoutOption, type TimeoutFlag } from "./timeout-option.js";

export function versionCommand(): Command {
  return timeoutOption(
    withClientFlags(new Command("version")),
    "how long to wait for the server to report its version",
    DEFAULT_SERVER_STATUS_TIMEOUT_MS,
    "5s",
  )
    .description("print the velero-ts version of the client and of the server")
    .option("--client-only", "only print the client's version, do not ask the server")
    .action(async (flags: ClientFlags & TimeoutFlag & { clientOnly?: boolean }) => {
      console.log(`Client:\n\tVersion: ${VERSION}`);
      if (flags.clientOnly) return;
      let serverVersion: string;
      try {
        // Few retries and short requests: a server that does not answer is reported within the timeout.
        const client = new KubeClient(loadKubeConfig(flags.kubeconfig, flags.kubecontext), {
          maxRetries: 1,
          timeoutMs: flags.timeout,
        });
        const status = await getServerStatus(new VeleroClient(client, flags.namespace), flags.timeout);
        serverVersion = status.status?.serverVersion ?? "";
      } catch (err) {
        console.log(`<error getting server version: ${errorMessage(err)}>`);
        return;
      }
      console.log(`Server:\n\tVersion: ${serverVersion}`);
      const warning = versionMismatch(VERSION, serverVersion);
      if (warning) console.log(warning);
    });
}

/** Velero's warning when client and server differ in major.minor: which one to update. */
export function versionMismatch(client: string, server: string): string | undefined {
  const [cMajor = 0, cMinor = 0] = majorMinor(client);
  const [sMajor = 0, sMinor = 0] = majorMinor(server);
  if (cMajor === sMajor && cMinor === sMinor) return undefined;
  const older = cMajor < sMajor || (cMajor === sMajor && cMinor < sMinor) ? "client" : "server";
  return `# WARNING: the client version does not match the server version. Please update ${older}`;
}

function majorMinor(version: string): number[] {
  return version.replace(/^v/, "").split(".").slice(0, 2).map(Number);
}
