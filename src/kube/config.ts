import { KubeConfig } from "@kubernetes/client-node";

/** Loads a kubeconfig from a file, or the default one ($KUBECONFIG, ~/.kube/config, in-cluster). */
export function loadKubeConfig(file?: string, context?: string): KubeConfig {
  const kc = new KubeConfig();
  if (file) kc.loadFromFile(file);
  else kc.loadFromDefault();
  if (context) kc.setCurrentContext(context);
  return kc;
}
