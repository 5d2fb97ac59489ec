import { Command, CommanderError } from "commander";
import { VERSION } from "../version.js";
import { backupCommand } from "./backup/index.js";
import { restoreCommand } from "./restore/index.js";
import { backupLocationCommand } from "./backup-location/index.js";
import { snapshotLocationCommand } from "./snapshot-location/index.js";
import { repoCommand } from "./repo/index.js";
import { installCommand } from "./install.js";
import { localClusterCommand } from "./local-cluster.js";
import { serverCommand } from "./server.js";
import { nodeAgentCommand } from "./node-agent.js";
import { completionCommand } from "./completion.js";
import { finishHelp } from "./help.js";
import { verbFirstCommands } from "./verb-first.js";
import { uninstallCommand } from "./uninstall.js";
import { versionCommand } from "./version.js";

/** The CLI's command tree; its help wraps at `helpWidth` (the terminal's width by default). */
export function program(helpWidth?: number): Command {
  const root = new Command("velero-ts")
    .description("Velero-compatible backup and restore for Kubernetes")
    .version(VERSION, "--client-version", "print the client version")
    .showHelpAfterError()
    .exitOverride();
  root.addCommand(versionCommand());
  root.addCommand(localClusterCommand());
  root.addCommand(installCommand());
  root.addCommand(uninstallCommand());
  root.addCommand(backupCommand());
  root.addCommand(restoreCommand());
  root.addCommand(backupLocationCommand());
  root.addCommand(snapshotLocationCommand());
  root.addCommand(repoCommand());
  root.addCommand(serverCommand());
  root.addCommand(nodeAgentCommand());
  for (const verb of verbFirstCommands()) root.addCommand(verb);
  root.addCommand(completionCommand());
  finishHelp(root, helpWidth);
  return root;
}

/** Runs the CLI; every error ends as one message on stderr and a non-zero exit code. */
export async function main(argv: string[]): Promise<void> {
  try {
    await program().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  }
}
