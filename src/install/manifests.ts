import type {
  KubernetesObject,
  V1ClusterRoleBinding,
  V1Namespace,
  V1Secret,
  V1ServiceAccount,
} from "@kubernetes/client-node";
import { veleroCrds } from "../api/crds/index.js";
import { COMPONENT_LABEL, COMPONENT_VELERO } from "../api/labels.js";
import {
  VELERO_API_VERSION,
  type BackupStorageLocation,
  type SecretKeySelector,
  type VolumeSnapshotLocation,
} from "../api/v1/index.js";
import {
  CREDENTIALS_KEY,
  CREDENTIALS_SECRET,
  DEFAULT_LOCATION,
  SERVICE_ACCOUNT,
  clusterRoleBindingName,
} from "./names.js";
import { validateInstallOptions, type InstallOptions } from "./options.js";
import { nodeAgentDaemonSet, serverDeployment } from "./workloads.js";

const labels = () => ({ [COMPONENT_LABEL]: COMPONENT_VELERO });

function namespace(name: string): V1Namespace {
  // The node agent mounts host paths and runs as root: the namespace must allow privileged pods.
  const podSecurity: Record<string, string> = {};
  for (const mode of ["enforce", "audit", "warn"]) {
    podSecurity[`pod-security.kubernetes.io/${mode}`] = "privileged";
    podSecurity[`pod-security.kubernetes.io/${mode}-version`] = "latest";
  }
  return { apiVersion: "v1", kind: "Namespace", metadata: { name, labels: { ...labels(), ...podSecurity } } };
}

function credentialsSecret(ns: string, contents: string): V1Secret {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: CREDENTIALS_SECRET, namespace: ns, labels: labels() },
    type: "Opaque",
    data: { [CREDENTIALS_KEY]: Buffer.from(contents, "utf8").toString("base64") },
  };
}

function clusterRoleBinding(ns: string): V1ClusterRoleBinding {
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name: clusterRoleBindingName(ns), labels: labels() },
    subjects: [{ kind: "ServiceAccount", name: SERVICE_ACCOUNT, namespace: ns }],
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
  };
}

/**
 * Every object of an install, in the order to apply them: CRDs, Namespace, ServiceAccount,
 * ClusterRoleBinding, credentials Secret, default storage locations, server, node agent.
 */
export function installObjects(o: InstallOptions): KubernetesObject[] {
  validateInstallOptions(o);
  const ns = o.namespace;
  const withSecret = o.secretFileContents !== undefined;
  const credential: SecretKeySelector | undefined = withSecret
    ? { name: CREDENTIALS_SECRET, key: CREDENTIALS_KEY }
    : undefined;

  const serviceAccount: V1ServiceAccount = {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name: SERVICE_ACCOUNT, namespace: ns, labels: labels() },
  };
  const backupLocation: BackupStorageLocation = {
    apiVersion: VELERO_API_VERSION,
    kind: "BackupStorageLocation",
    metadata: { name: DEFAULT_LOCATION, namespace: ns, labels: labels() },
    spec: {
      provider: o.provider,
      objectStorage: { bucket: o.bucket, ...(o.prefix ? { prefix: o.prefix } : {}) },
      config: o.backupLocationConfig,
      ...(credential ? { credential } : {}),
      default: true,
    },
  };
  const snapshotLocation: VolumeSnapshotLocation = {
    apiVersion: VELERO_API_VERSION,
    kind: "VolumeSnapshotLocation",
    metadata: { name: DEFAULT_LOCATION, namespace: ns, labels: labels() },
    spec: {
      provider: o.provider,
      config: o.snapshotLocationConfig ?? {},
      ...(credential ? { credential } : {}),
    },
  };
  const workload = { namespace: ns, image: o.image, withSecret };

  return [
    ...veleroCrds(),
    namespace(ns),
    serviceAccount,
    clusterRoleBinding(ns),
    ...(o.secretFileContents !== undefined ? [credentialsSecret(ns, o.secretFileContents)] : []),
    backupLocation,
    ...(o.useVolumeSnapshots || o.snapshotLocationConfig ? [snapshotLocation] : []),
    serverDeployment(workload),
    ...(o.useNodeAgent ? [nodeAgentDaemonSet(workload)] : []),
  ];
}
