import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";
import { parseKeyValuePairs } from "../../src/cli/install.js";

const run = promisify(execFile);
const BIN = fileURLToPath(new URL("../../../bin/velero-ts.js", import.meta.url));

/** The CLI with a kubeconfig that does not exist: any attempt to reach a cluster fails. */
async function cli(args: string[]) {
  const env = { ...process.env, KUBECONFIG: "/nonexistent/kubeconfig", HOME: "/nonexistent" };
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function secretFile(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "install-cli-"));
  const file = path.join(dir, "credentials");
  await fs.writeFile(file, "[default]\naws_access_key_id = AKIA\n");
  return file;
}

const AWS = ["--provider", "aws", "--bucket", "b"];

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
  const docs = parseAllDocuments(stdout).map((d) => d.toJS() as { kind: string; metadata: { name: string } });
  assert.deepEqual(
    docs.map((d) => `${d.kind}/${d.metadata.name}`),
    [
      "CustomResourceDefinition/backups.velero.io",
      "CustomResourceDefinition/backupstoragelocations.velero.io",
      "CustomResourceDefinition/deletebackuprequests.velero.io",
      "CustomResourceDefinition/restores.velero.io",
      "CustomResourceDefinition/volumesnapshotlocations.velero.io",
      "Namespace/velero",
      "ServiceAccount/velero",
      "ClusterRoleBinding/velero",
      "Secret/cloud-credentials",
      "BackupStorageLocation/default",
      "Deployment/velero",
    ],
  );
  const bsl = docs.find((d) => d.kind === "BackupStorageLocation") as unknown as { spec: Record<string, unknown> };
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
    "--provider",
    "filesystem",
    "--bucket",
    "b",
    "--config",
    "path=/tmp/store",
    "--use-node-agent",
    "--use-volume-snapshots",
    "--image",
    "registry.example/velero-ts:dev",
  ]);
  assert.equal(code, 0, stderr);
  const list = JSON.parse(stdout) as { kind: string; items: { kind: string; metadata: { name: string }; spec?: any }[] };
  assert.equal(list.kind, "List");
  const byKind = new Map(list.items.map((i) => [i.kind, i]));
  assert.equal(byKind.get("ClusterRoleBinding")?.metadata.name, "velero-backup-system");
  assert.deepEqual(byKind.get("BackupStorageLocation")?.spec.config, { path: "/tmp/store" });
  assert.ok(byKind.has("VolumeSnapshotLocation"));
  assert.ok(!byKind.has("Secret"));
  assert.equal(byKind.get("DaemonSet")?.spec.template.spec.containers[0].image, "registry.example/velero-ts:dev");
});

test("a malformed key=value list is refused, naming the bad pair", async () => {
  const bads = ["region", "region=us-east-1,=x", "a=1,,b=2"];
  const results = await Promise.all([
    ...bads.map((bad) => cli(["install", "--dry-run", ...AWS, "--no-secret", "--backup-location-config", bad])),
    cli(["install", "--dry-run", ...AWS, "--no-secret", "--snapshot-location-config", "region"]),
  ]);
  for (const [i, { code, stdout, stderr }] of results.entries()) {
    assert.notEqual(code, 0, bads[i]);
    assert.equal(stdout, "");
    assert.match(stderr, /is not a key=value pair/);
  }
  assert.match(results[0]!.stderr, /--backup-location-config .*"region" is not a key=value pair/);
  assert.match(results[1]!.stderr, /"=x" is not a key=value pair/);
  assert.match(results[2]!.stderr, /"" is not a key=value pair/);
  assert.match(results[3]!.stderr, /--snapshot-location-config .*"region" is not a key=value pair/);
});

test("missing credentials choices, unreadable secret files and a missing bucket are refused with what to do", async () => {
  const [neither, both, missing, noBucket] = await Promise.all([
    cli(["install", "--dry-run", ...AWS]),
    secretFile().then((file) => cli(["install", "--dry-run", ...AWS, "--secret-file", file, "--no-secret"])),
    cli(["install", "--dry-run", ...AWS, "--secret-file", "/nonexistent/creds"]),
    cli(["install", "--dry-run", "--provider", "aws", "--no-secret"]),
  ]);
  assert.equal(neither.code, 1);
  assert.match(neither.stderr, /pass --secret-file .* or --no-secret/);
  assert.equal(both.code, 1);
  assert.match(both.stderr, /--secret-file and --no-secret cannot be used together/);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /cannot read --secret-file \/nonexistent\/creds/);
  assert.equal(noBucket.code, 1);
  assert.match(noBucket.stderr, /--bucket is required/);
});

test("without --dry-run, install reaches for the cluster and reports a missing kubeconfig", async () => {
  const { code, stderr } = await cli(["install", "--provider", "filesystem", "--bucket", "b", "--kubeconfig", "/nonexistent/kc"]);
  assert.equal(code, 1);
  assert.match(stderr, /nonexistent\/kc/);
});

test("parseKeyValuePairs keeps '=' inside values and merges repeated flags", () => {
  assert.deepEqual(parseKeyValuePairs("a=1,b=x=y,c="), { a: "1", b: "x=y", c: "" });
  assert.deepEqual(parseKeyValuePairs("b=2", { a: "1" }), { a: "1", b: "2" });
  assert.throws(() => parseKeyValuePairs("=x"), /"=x" is not a key=value pair/);
});
