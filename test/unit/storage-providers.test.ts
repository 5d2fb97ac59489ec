import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import type { BackupStorageLocation, BackupStorageLocationSpec } from "../../src/api/v1/index.js";
import { AwsObjectStore } from "../../src/storage/aws.js";
import { FilesystemObjectStore } from "../../src/storage/filesystem.js";
import { backupStoreFor, objectStoreFor } from "../../src/storage/providers.js";

function location(spec: Partial<BackupStorageLocationSpec>): BackupStorageLocation {
  return {
    apiVersion: "velero.io/v1",
    kind: "BackupStorageLocation",
    metadata: { name: "default", namespace: "velero" },
    spec: { provider: "aws", objectStorage: { bucket: "velero" }, ...spec },
  };
}

const CREDENTIALS = "[default]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = very-secret\n";

test("provider filesystem keeps objects right under config.path, under the location's prefix", async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "velero-ts-providers-"));
  const bsl = location({
    provider: "filesystem",
    objectStorage: { bucket: "ignored", prefix: "cluster-a" },
    config: { path: dir },
  });
  assert.ok(objectStoreFor(bsl) instanceof FilesystemObjectStore);
  await backupStoreFor(bsl).putRestoreLog("r1", Buffer.from("log"));
  assert.equal(await fs.readFile(path.join(dir, "cluster-a/restores/r1/restore-r1-logs.gz"), "utf8"), "log");
});

test("provider filesystem without config path is refused with what to set", () => {
  assert.throws(() => objectStoreFor(location({ provider: "filesystem" })), {
    message: "backup storage location default: provider filesystem needs config path=<directory>",
  });
});

test("providers aws and velero.io/aws give an S3 store", () => {
  for (const provider of ["aws", "velero.io/aws"]) {
    const store = objectStoreFor(
      location({ provider, config: { s3Url: "http://127.0.0.1:9000", s3ForcePathStyle: "true" } }),
      CREDENTIALS,
    );
    assert.ok(store instanceof AwsObjectStore);
  }
});

test("an unknown provider is refused naming the supported ones", () => {
  assert.throws(() => objectStoreFor(location({ provider: "gcp" })), {
    message: 'unknown provider "gcp": velero-ts supports "filesystem" and "aws" (any S3-compatible store)',
  });
});

test("a bad boolean setting or a missing profile is refused, never showing a key", () => {
  assert.throws(() => objectStoreFor(location({ config: { s3ForcePathStyle: "yes" } }), CREDENTIALS), {
    message: 'backup storage location default: config s3ForcePathStyle must be "true" or "false", not "yes"',
  });
  assert.throws(
    () => objectStoreFor(location({ config: { profile: "backups" } }), CREDENTIALS),
    (err: Error) => {
      assert.match(err.message, /no profile "backups"/);
      assert.ok(!err.message.includes("very-secret") && !err.message.includes("AKIAEXAMPLE"));
      return true;
    },
  );
});
