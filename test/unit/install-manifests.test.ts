import assert from "node:assert/strict";
import { test } from "node:test";
import type { KubernetesObject, V1DaemonSet, V1Deployment, V1Secret } from "@kubernetes/client-node";
import type { JsonSchema } from "../../src/api/crds/schema.js";
import { veleroCrds } from "../../src/api/crds/index.js";
import { installObjects } from "../../src/install/manifests.js";
import { DEFAULT_IMAGE, type InstallOptions } from "../../src/install/options.js";
import { toManifest } from "../../src/install/output.js";
import { nodeAgentDaemonSet } from "../../src/install/workloads.js";
import { INVALID, SAMPLES } from "./install-samples.js";

const CREDENTIALS = "[default]\naws_access_key_id = AKIA\naws_secret_access_key = secret\n";

function awsOptions(overrides: Partial<InstallOptions> = {}): InstallOptions {
  return {
    namespace: "velero",
    provider: "aws",
    bucket: "backups",
    backupLocationConfig: { region: "us-east-1", s3Url: "http://minio:9000" },
    secretFileContents: CREDENTIALS,
    noSecret: false,
    useNodeAgent: false,
    useVolumeSnapshots: false,
    image: DEFAULT_IMAGE,
    ...overrides,
  };
}

/** Objects as the API server would receive them. */
const manifestsOf = (objects: KubernetesObject[]) => objects.map((o) => toManifest(o) as unknown as Manifest);
const manifests = (o: InstallOptions) => manifestsOf(installObjects(o));
const CRDS = manifestsOf(veleroCrds());

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
}

const find = <T = Manifest>(objects: Manifest[], kind: string) => objects.find((o) => o.kind === kind) as T;

test("a typical aws install has every object, in apply order, all labelled component=velero", () => {
  const objects = manifests(awsOptions({ snapshotLocationConfig: { region: "us-east-1" } }));
  assert.deepEqual(
    objects.map((o) => `${o.kind}/${o.metadata.name}`),
    [
      "CustomResourceDefinition/backups.velero.io",
      "CustomResourceDefinition/backuprepositories.velero.io",
      "CustomResourceDefinition/backupstoragelocations.velero.io",
      "CustomResourceDefinition/datadownloads.velero.io",
      "CustomResourceDefinition/datauploads.velero.io",
      "CustomResourceDefinition/deletebackuprequests.velero.io",
      "CustomResourceDefinition/downloadrequests.velero.io",
      "CustomResourceDefinition/podvolumebackups.velero.io",
      "CustomResourceDefinition/podvolumerestores.velero.io",
      "CustomResourceDefinition/restores.velero.io",
      "CustomResourceDefinition/schedules.velero.io",
      "CustomResourceDefinition/serverstatusrequests.velero.io",
      "CustomResourceDefinition/volumesnapshotlocations.velero.io",
      "Namespace/velero",
      "ServiceAccount/velero",
      "ClusterRoleBinding/velero",
      "Secret/cloud-credentials",
      "BackupStorageLocation/default",
      "VolumeSnapshotLocation/default",
      "Deployment/velero",
    ],
  );
  for (const o of objects) assert.equal(o.metadata.labels?.component, "velero", `${o.kind} is labelled`);
  for (const o of objects.filter(
    (o) => !["CustomResourceDefinition", "Namespace", "ClusterRoleBinding"].includes(o.kind),
  )) {
    assert.equal(o.metadata.namespace, "velero", `${o.kind} is in the install's namespace`);
  }
});

test("the credentials Secret holds the file, the BSL points at it and the server mounts it", () => {
  const objects = manifests(awsOptions({ prefix: "cluster-a" }));
  const secret = find<V1Secret>(objects, "Secret");
  assert.equal(Buffer.from(secret.data!.cloud!, "base64").toString("utf8"), CREDENTIALS);

  assert.deepEqual(find(objects, "BackupStorageLocation").spec, {
    provider: "aws",
    objectStorage: { bucket: "backups", prefix: "cluster-a" },
    config: { region: "us-east-1", s3Url: "http://minio:9000" },
    credential: { name: "cloud-credentials", key: "cloud" },
    default: true,
  });

  const pod = find<V1Deployment>(objects, "Deployment").spec!.template.spec!;
  const server = pod.containers[0]!;
  assert.equal(server.name, "velero");
  assert.equal(server.image, DEFAULT_IMAGE);
  assert.deepEqual([...server.command!, ...server.args!], ["velero-ts", "server"]);
  assert.equal(pod.serviceAccountName, "velero");
  assert.deepEqual(
    pod.volumes?.find((v) => v.name === "cloud-credentials")?.secret?.secretName,
    "cloud-credentials",
  );
  assert.equal(server.volumeMounts?.find((m) => m.name === "cloud-credentials")?.mountPath, "/credentials");
  const env = Object.fromEntries(
    server.env!.map((e) => [e.name, e.value ?? e.valueFrom?.fieldRef?.fieldPath]),
  );
  assert.equal(env.AWS_SHARED_CREDENTIALS_FILE, "/credentials/cloud");
  assert.equal(env.VELERO_NAMESPACE, "metadata.namespace");
});

test("--no-secret leaves out the Secret, the BSL's credential and the mount", () => {
  const objects = manifests(awsOptions({ secretFileContents: undefined, noSecret: true }));
  assert.equal(find(objects, "Secret"), undefined);
  assert.equal(find(objects, "BackupStorageLocation").spec?.credential, undefined);
  const server = find<V1Deployment>(objects, "Deployment").spec!.template.spec!.containers[0]!;
  assert.deepEqual(server.volumeMounts, []);
  assert.ok(!server.env!.some((e) => e.name === "AWS_SHARED_CREDENTIALS_FILE"));
});

test("--use-node-agent adds the node-agent DaemonSet, last, running `velero-ts node-agent` on each node", () => {
  const objects = installObjects(awsOptions({ useNodeAgent: true }));
  const agent = objects.at(-1) as V1DaemonSet;
  assert.equal(agent.kind, "DaemonSet");
  assert.equal(agent.metadata?.name, "node-agent");
  const container = agent.spec!.template.spec!.containers[0]!;
  assert.deepEqual(container.args, ["node-agent"]);
  assert.equal(
    container.env?.find((e) => e.name === "NODE_NAME")?.valueFrom?.fieldRef?.fieldPath,
    "spec.nodeName",
  );
});

test("the node agent mounts the kubelet's pods with HostToContainer propagation", () => {
  const agent = nodeAgentDaemonSet({ namespace: "velero", image: DEFAULT_IMAGE, withSecret: true });
  const container = agent.spec!.template.spec!.containers[0]!;
  assert.deepEqual(container.args, ["node-agent"]);
  const mount = container.volumeMounts!.find((m) => m.mountPath === "/host_pods")!;
  assert.equal(mount.mountPropagation, "HostToContainer");
  const volume = agent.spec!.template.spec!.volumes!.find((v) => v.name === mount.name)!;
  assert.equal(volume.hostPath?.path, "/var/lib/kubelet/pods");
});

test("optional objects appear only when asked for", () => {
  const kinds = (o: InstallOptions) => manifests(o).map((m) => m.kind);
  assert.ok(!kinds(awsOptions()).includes("VolumeSnapshotLocation"));
  assert.ok(!kinds(awsOptions()).includes("DaemonSet"));
  assert.ok(kinds(awsOptions({ useVolumeSnapshots: true })).includes("VolumeSnapshotLocation"));
});

test("the ClusterRoleBinding is named after the namespace unless it is velero, as Velero does", () => {
  const crb = (namespace: string) =>
    find<Manifest & { subjects: { namespace: string }[] }>(
      manifests(awsOptions({ namespace })),
      "ClusterRoleBinding",
    );
  assert.equal(crb("velero").metadata.name, "velero");
  assert.equal(crb("backup-system").metadata.name, "velero-backup-system");
  assert.equal(crb("backup-system").subjects[0]!.namespace, "backup-system");
});

test("options that cannot make a working install are refused, saying what to pass", () => {
  const refused = (o: Partial<InstallOptions>, message: RegExp) =>
    assert.throws(() => installObjects(awsOptions(o)), message);
  refused({ provider: "" }, /--provider is required/);
  refused({ provider: "gcp" }, /--provider gcp is not supported: use aws .* or filesystem/);
  refused({ bucket: "" }, /--bucket is required/);
  refused(
    { provider: "filesystem", backupLocationConfig: {} },
    /provider filesystem .*: pass --backup-location-config path=<directory>/,
  );
  refused({ noSecret: true }, /--secret-file and --no-secret cannot be used together/);
  refused(
    { secretFileContents: undefined },
    /provider aws needs credentials: pass --secret-file .* or --no-secret/,
  );
  refused({ namespace: "Velero_NS" }, /--namespace "Velero_NS" is not a valid namespace name/);
  const filesystem = { provider: "filesystem", backupLocationConfig: { path: "/tmp/store" } };
  assert.doesNotThrow(() => installObjects(awsOptions({ ...filesystem, secretFileContents: undefined })));
});

/** The data mover's kinds are v2alpha1 in Velero; every other kind is v1. */
const V2ALPHA1_CRDS = ["datadownloads.velero.io", "datauploads.velero.io"];

test("every CRD is namespaced, v1 served and stored (the data mover's v2alpha1), without a status subresource (as Velero's), labelled", () => {
  for (const crd of CRDS) {
    const spec = crd.spec as { scope: string; group: string; versions: Record<string, unknown>[] };
    assert.equal(spec.scope, "Namespaced");
    assert.equal(spec.group, "velero.io");
    assert.equal(spec.versions.length, 1);
    assert.deepEqual(
      { name: spec.versions[0]!.name, served: spec.versions[0]!.served, storage: spec.versions[0]!.storage },
      { name: V2ALPHA1_CRDS.includes(crd.metadata.name) ? "v2alpha1" : "v1", served: true, storage: true },
    );
    assert.equal(spec.versions[0]!.subresources, undefined);
    assert.equal(crd.metadata.labels?.component, "velero");
  }
});

test("the storage locations have their short names and kubectl columns", () => {
  const crds = new Map(CRDS.map((c) => [c.metadata.name, c.spec]));
  const names = (n: string) => (crds.get(n) as { names: { shortNames?: string[] } }).names.shortNames;
  assert.deepEqual(names("backupstoragelocations.velero.io"), ["bsl"]);
  assert.deepEqual(names("volumesnapshotlocations.velero.io"), ["vsl"]);
  const columns = (n: string) =>
    (
      crds.get(n) as { versions: { additionalPrinterColumns: { name: string }[] }[] }
    ).versions[0]!.additionalPrinterColumns.map((c) => c.name);
  assert.deepEqual(columns("backupstoragelocations.velero.io"), [
    "Phase",
    "Last Validated",
    "Access Mode",
    "Default",
    "Age",
  ]);
  assert.ok(columns("backups.velero.io").includes("Phase"));
  assert.ok(columns("backups.velero.io").includes("Age"));
});

// A small walk of the structural schema, as the API server validates and prunes: every field of
// an object must be known (or it would be dropped silently) and of the right type.
function problems(schema: JsonSchema, value: unknown, path: string): string[] {
  if (value === null) return schema.nullable ? [] : [`${path}: must not be null`];
  if (schema["x-kubernetes-preserve-unknown-fields"] && !schema.properties && !schema.items) return [];
  switch (schema.type) {
    case "object": {
      if (typeof value !== "object" || Array.isArray(value)) return [`${path}: must be an object`];
      const fields = value as Record<string, unknown>;
      const missing = (schema.required ?? [])
        .filter((k) => !(k in fields))
        .map((k) => `${path}.${k}: required`);
      return [
        ...missing,
        ...Object.entries(fields).flatMap(([k, v]) => {
          const sub = schema.properties?.[k] ?? schema.additionalProperties;
          if (sub) return problems(sub, v, `${path}.${k}`);
          return schema["x-kubernetes-preserve-unknown-fields"] ? [] : [`${path}.${k}: unknown field`];
        }),
      ];
    }
    case "array":
      if (!Array.isArray(value)) return [`${path}: must be an array`];
      return value.flatMap((v, i) => problems(schema.items!, v, `${path}[${i}]`));
    case "string":
      if (typeof value !== "string") return [`${path}: must be a string`];
      return schema.enum && !schema.enum.includes(value)
        ? [`${path}: must be one of ${schema.enum.join(", ")}`]
        : [];
    case "integer":
      return Number.isInteger(value) ? [] : [`${path}: must be an integer`];
    case "boolean":
      return typeof value === "boolean" ? [] : [`${path}: must be a boolean`];
    default:
      return [`${path}: the schema has no type`];
  }
}

/** What does not fit in an object's spec and status (metadata is the API server's own). */
function misfits(object: { kind: string; spec?: unknown; status?: unknown }): string[] {
  const crd = CRDS.find((c) => (c.spec as { names: { kind: string } }).names.kind === object.kind)!;
  const root = (crd.spec as { versions: { schema: { openAPIV3Schema: JsonSchema } }[] }).versions[0]!.schema
    .openAPIV3Schema;
  return [
    ...problems(root.properties!.spec!, object.spec, ".spec"),
    ...(object.status === undefined ? [] : problems(root.properties!.status!, object.status, ".status")),
  ];
}

test("full objects of every kind, Velero's own fields included, fit their CRD's schema", () => {
  for (const sample of SAMPLES) {
    assert.deepEqual(misfits(sample), [], sample.kind);
  }
});

test("wrong types, unknown enum values and missing required fields do not fit", () => {
  for (const bad of INVALID) {
    const found = misfits(bad);
    assert.ok(
      found.some((p) => p.startsWith(`.${bad.field}`)),
      `${bad.kind} ${JSON.stringify(bad.spec)}: ${found.join("; ")}`,
    );
  }
});

test("the installed objects themselves fit the schemas", () => {
  for (const o of manifests(awsOptions({ useVolumeSnapshots: true }))) {
    if (o.apiVersion === "velero.io/v1") assert.deepEqual(misfits(o), [], o.kind);
  }
});
