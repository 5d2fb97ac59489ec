import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { KeepAliveKubeConfig } from "./keep-alive-config.js";

/** Where a pod finds its service account: the in-cluster configuration. */
const SERVICE_ACCOUNT_TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token";

/** Where to look when no file is given; tests pass their own. */
export interface KubeConfigSources {
  env?: NodeJS.ProcessEnv;
  home?: string;
  inClusterToken?: string;
}

/**
 * Loads a kubeconfig as kubectl finds it: the file given (--kubeconfig), else $KUBECONFIG, else
 * ~/.kube/config, else the pod's service account. When none is there, or the context asked for is
 * not in it, the error says where it looked and what exists.
 */
export function loadKubeConfig(file?: string, context?: string, sources: KubeConfigSources = {}): KubeConfig {
  const env = sources.env ?? process.env;
  const home = sources.home ?? os.homedir();
  const inClusterToken = sources.inClusterToken ?? SERVICE_ACCOUNT_TOKEN;
  const kc = new KeepAliveKubeConfig();
  let from: string;
  if (file) {
    if (!existsSync(file)) throw new Error(`kubeconfig ${file} (given with --kubeconfig) does not exist`);
    loadFile(kc, file);
    from = file;
  } else if (env.KUBECONFIG) {
    const files = env.KUBECONFIG.split(path.delimiter).filter(Boolean);
    const present = files.filter((f) => existsSync(f));
    if (!present.length) {
      throw new Error(
        `no kubeconfig found: $KUBECONFIG names ${files.join(", ")}, which does not exist: fix $KUBECONFIG or pass --kubeconfig FILE`,
      );
    }
    loadFile(kc, present[0]!);
    for (const other of present.slice(1)) {
      const more = new KubeConfig();
      loadFile(more, other);
      kc.mergeConfig(more);
    }
    from = present.join(path.delimiter);
  } else if (existsSync(path.join(home, ".kube", "config"))) {
    from = path.join(home, ".kube", "config");
    loadFile(kc, from);
  } else if (existsSync(inClusterToken)) {
    kc.loadFromCluster();
    from = "the pod's service account";
  } else {
    throw new Error(
      `no kubeconfig found: looked at --kubeconfig (not given), $KUBECONFIG (not set) and ${path.join(home, ".kube", "config")} (does not exist): pass --kubeconfig FILE or set KUBECONFIG`,
    );
  }
  const contexts = kc.getContexts().map((c) => c.name);
  const known = contexts.length ? contexts.join(", ") : "none";
  if (context) {
    if (!contexts.includes(context)) {
      throw new Error(
        `context "${context}" does not exist in kubeconfig ${from} (its contexts: ${known}): pick one with --kubecontext`,
      );
    }
    kc.setCurrentContext(context);
  } else if (!kc.getCurrentCluster()) {
    throw new Error(
      `kubeconfig ${from} has no usable current-context (its contexts: ${known}): pick one with --kubecontext`,
    );
  }
  return kc;
}

function loadFile(kc: KubeConfig, file: string): void {
  try {
    kc.loadFromFile(file);
  } catch (err) {
    throw new Error(`kubeconfig ${file} cannot be read: ${err instanceof Error ? err.message : String(err)}`);
  }
}
