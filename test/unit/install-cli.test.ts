import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import type { KubernetesObject, V1Deployment } from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import type { BackupStorageLocation } from "../../src/api/v1/index.js";
import { parseKeyValuePairs } from "../../src/cli/install.js";
import { runCliWithoutCluster as cli } from "../cli.js";

async function secretFile(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "install-cli-"));
  const file = path.join(dir, "credentials");
  await fs.writeFile(file, "[default]\naws_access_key_id = AKIA\n");
  return file;
}

const AWS = ["--provider", "aws", "--bucket", "b"];
const FILESYSTEM = ["--provider", "filesystem", "--bucket", "b", "--config", "path=/tmp/store"];

test("install --dry-run -o yaml prints every object as YAML documents and touches no cluster", async () => {
  const file = await secretFile();
  const { code, stdout, stderr } = await cli([
    "install",
    "--dry-run",
    "-o",
    "yaml",
    ...AWS,
    "--secret-file",
    file,
    "--backup-location-config",
    "region=us-east-1,s3Url=http://x",
  ]);
  assert.equal(code, 0, stderr);
  const docs = parseAllDocuments(stdout).map((d) => d.toJS() as KubernetesObject);
  assert.deepEqual(
    docs.map((d) => `${d.kind}/${d.metadata?.name}`),
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
      "Deployment/velero",
    ],
  );
  const bsl = docs.find((d) => d.kind === "BackupStorageLocation") as BackupStorageLocation;
  assert.deepEqual(bsl.spec.config, { region: "us-east-1", s3Url: "http://x" });
  assert.deepEqual(bsl.spec.credential, { name: "cloud-credentials", key: "cloud" });
  // The CRD schemas come out in the API server's words, not the client library's.
  assert.match(stdout, /^ +enum:$/m);
  assert.doesNotMatch(stdout, /_enum|x_kubernetes/);
});

test("install -o json prints a List and installs nothing, as velero install -o does", async () => {
  const { code, stdout, stderr } = await cli([
    "install",
    "-o",
    "json",
    "--namespace",
    "backup-system",
    ...FILESYSTEM,
    "--use-volume-snapshots",
    "--image",
    "registry.example/velero-ts:dev",
  ]);
  assert.equal(code, 0, stderr);
  const list = JSON.parse(stdout) as { kind: string; items: KubernetesObject[] };
  assert.equal(list.kind, "List");
  const byKind = new Map(list.items.map((i) => [i.kind, i]));
  assert.equal(byKind.get("ClusterRoleBinding")?.metadata?.name, "velero-backup-system");
  const bsl = byKind.get("BackupStorageLocation") as BackupStorageLocation;
  assert.deepEqual(bsl.spec.config, { path: "/tmp/store" });
  assert.ok(byKind.has("VolumeSnapshotLocation"));
  assert.ok(!byKind.has("Secret"));
  const server = byKind.get("Deployment") as V1Deployment;
  assert.equal(server.spec?.template.spec?.containers[0]?.image, "registry.example/velero-ts:dev");
});

test("a malformed key=value list is refused with a non-zero exit, naming the bad pair", async () => {
  const { code, stdout, stderr } = await cli([
    "install",
    "--dry-run",
    ...AWS,
    "--no-secret",
    "--backup-location-config",
    "region",
  ]);
  assert.notEqual(code, 0);
  assert.equal(stdout, "");
  assert.match(stderr, /--backup-location-config .*"region" is not a key=value pair/);
});

test("bad options are refused with what to do, before anything is printed", async () => {
  const [neither, missing] = await Promise.all([
    cli(["install", "--dry-run", ...AWS]),
    cli(["install", "--dry-run", ...AWS, "--secret-file", "/nonexistent/creds"]),
  ]);
  assert.equal(neither.code, 1);
  assert.equal(neither.stdout, "");
  assert.match(neither.stderr, /pass --secret-file .* or --no-secret/);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /cannot read --secret-file \/nonexistent\/creds/);
});

test("without --dry-run, install reaches for the cluster and reports a missing kubeconfig", async () => {
  const { code, stderr } = await cli([
    "install",
    "--provider",
    "filesystem",
    "--bucket",
    "b",
    "--config",
    "path=/tmp/store",
    "--kubeconfig",
    "/nonexistent/kc",
  ]);
  assert.equal(code, 1);
  assert.match(stderr, /nonexistent\/kc/);
});

test("parseKeyValuePairs keeps '=' inside values, merges repeated flags and names a bad pair", () => {
  assert.deepEqual(parseKeyValuePairs("a=1,b=x=y,c="), { a: "1", b: "x=y", c: "" });
  assert.deepEqual(parseKeyValuePairs("b=2", { a: "1" }), { a: "1", b: "2" });
  assert.throws(() => parseKeyValuePairs("region"), /"region" is not a key=value pair/);
  assert.throws(() => parseKeyValuePairs("region=us-east-1,=x"), /"=x" is not a key=value pair/);
  assert.throws(() => parseKeyValuePairs("a=1,,b=2"), /"" is not a key=value pair/);
});

test("install --use-node-agent --dry-run prints the node agent's DaemonSet", async () => {
  const { code, stdout, stderr } = await cli([
    "install",
    "--dry-run",
    ...FILESYSTEM,
    "--use-node-agent",
    "-o",
    "json",
  ]);
  assert.equal(code, 0, stderr);
  const kinds = (JSON.parse(stdout) as { items: { kind: string; metadata: { name: string } }[] }).items.map(
    (o) => `${o.kind}/${o.metadata.name}`,
  );
  assert.equal(kinds.at(-1), "DaemonSet/node-agent");
});
