import type { Command } from "commander";
import { KubeClient } from "../kube/client.js";
import { loadKubeConfig } from "../kube/config.js";
import { VeleroClient } from "../kube/velero-client.js";

export interface ClientFlags {
  namespace: string;
  kubeconfig?: string;
  kubecontext?: string;
}

/** Velero's client flags, on every command that talks to a cluster. */
export function withClientFlags(cmd: Command): Command {
  return cmd
    .option(
      "-n, --namespace <ns>",
      "the namespace in which velero-ts runs",
      process.env.VELERO_NAMESPACE ?? "velero",
    )
    .option("--kubeconfig <file>", "kubeconfig to use (default: $KUBECONFIG or ~/.kube/config)")
    .option("--kubecontext <context>", "kubeconfig context to use");
}

export function veleroClient(flags: ClientFlags): VeleroClient {
  return new VeleroClient(
    new KubeClient(loadKubeConfig(flags.kubeconfig, flags.kubecontext)),
    flags.namespace,
  );
}

/** Parses Velero's comma-separated list flags ("a,b" given once or several times). */
export function commaList(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  ];
}
