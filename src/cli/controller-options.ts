import type { Command } from "commander";
import { pino, type Logger } from "pino";

/**
 * The flags every long-running velero-ts process takes (the server, the node agent): the
 * namespace of velero-ts' resources, the cluster to reach, and the log level.
 */
export function withControllerOptions(command: Command): Command {
  return command
    .option(
      "--namespace <ns>",
      "the namespace of velero-ts' resources",
      process.env.VELERO_NAMESPACE ?? "velero",
    )
    .option("--kubeconfig <file>", "kubeconfig to use (default: $KUBECONFIG, ~/.kube/config or in-cluster)")
    .option("--kubecontext <context>", "kubeconfig context to use")
    .option("--log-level <level>", "debug, info, warning or error", "info");
}

/** The process's JSON logger at the `--log-level` given (Velero's "warning" is pino's "warn"). */
export function controllerLogger(level: string, base: Record<string, string | undefined>): Logger {
  return pino({ level: level === "warning" ? "warn" : level, base });
}
