import { Command, InvalidArgumentError } from "commander";
import { down, status, up } from "../local-cluster/cluster.js";
import { buildProgressBar } from "./progress.js";

const DEFAULT_DIR = ".local-cluster";

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("must be a whole number of 1 or more");
  return n;
}

export function localClusterCommand(): Command {
  const cmd = new Command("local-cluster").description(
    "a real Kubernetes control plane on this machine (etcd, kube-apiserver, kube-controller-manager) with simulated nodes and storage",
  );

  cmd
    .command("up")
    .description("start the local cluster in the background (builds the control plane once per machine)")
    .option("--dir <dir>", "directory for the cluster's data, logs and kubeconfig", DEFAULT_DIR)
    .option("--nodes <n>", "number of simulated nodes", positiveInt, 2)
    .option("--api-port <port>", "port for kube-apiserver on 127.0.0.1 (default: a free one)", positiveInt)
    .option("--no-install", "do not install velero-ts into the cluster nor start its server")
    .option("--storage-dir <dir>", "directory of the default backup storage location (default: DIR/storage)")
    .action(
      async (opts: {
        dir: string;
        nodes: number;
        apiPort?: number;
        install: boolean;
        storageDir?: string;
      }) => {
        const result = await up({
          dir: opts.dir,
          nodes: opts.nodes,
          apiPort: opts.apiPort,
          install: opts.install,
          storageDir: opts.storageDir,
          buildProgress: buildProgressBar,
          say: (line) => console.error(line),
        });
        console.log(
          result.alreadyRunning
            ? `local cluster already running at ${result.apiServer}`
            : `local cluster running at ${result.apiServer}`,
        );
        console.log(`export KUBECONFIG=${result.kubeconfig}`);
      },
    );

  cmd
    .command("down")
    .description("stop every process `up` started; the cluster's data stays unless --delete-data is given")
    .option("--dir <dir>", "the cluster's directory", DEFAULT_DIR)
    .option(
      "--delete-data",
      "also delete the cluster's data (etcd, volumes, backups in DIR/storage, certificates, logs, kubeconfig)",
    )
    .action(async (opts: { dir: string; deleteData?: boolean }) => {
      const stopped = await down({ dir: opts.dir, deleteData: opts.deleteData });
      console.log(stopped.length ? `stopped ${stopped.join(", ")}` : "nothing was running");
      if (opts.deleteData) console.log(`deleted the cluster's data in ${opts.dir}`);
    });

  cmd
    .command("status")
    .description("show which of the local cluster's processes run")
    .option("--dir <dir>", "the cluster's directory", DEFAULT_DIR)
    .action(async (opts: { dir: string }) => {
      const s = await status(opts.dir);
      if (!s.state) {
        console.log(
          `no local cluster in ${s.dir}: start one with \`velero-ts local-cluster up --dir ${opts.dir}\``,
        );
        process.exitCode = 3;
        return;
      }
      console.log(`API server:  ${s.apiServer} (${s.apiServerReady ? "ready" : "not answering"})`);
      console.log(`nodes:       ${s.state.nodes}`);
      for (const c of s.components) {
        console.log(`${c.component.padEnd(24)} ${c.pid ? `running (pid ${c.pid})` : "stopped"}   ${c.log}`);
      }
      const running = s.components.filter((c) => c.pid).length;
      if (running < s.components.length) process.exitCode = 3;
    });

  return cmd;
}
