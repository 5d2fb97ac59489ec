import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Backup, BackupStorageLocation } from "../../src/api/v1/index.js";
import { kubectl, testNamespace, waitUntil } from "./support.js";
import { s3Location, startS3Server, type S3Server } from "./s3-server.js";
import { velero } from "./velero.js";

const BUCKET = "velero-e2e";
let s3: S3Server;

before(async () => {
  s3 = await startS3Server([BUCKET]);
});
after(() => s3.stop());

test("a backup to an S3 location, and backup sync bringing back a Backup the cluster lost", async (t) => {
  const ns = await testNamespace(t, "s3");
  await kubectl(["create", "configmap", "app-config", "-n", ns, "--from-literal=k=v"]);
  const location = await s3Location(t, ns, BUCKET, "s3", s3.url);
  await waitUntil("the S3 location to be Available", 60_000, async () => {
    const l = JSON.parse(
      (await velero(["backup-location", "get", location, "-o", "json"])).stdout,
    ) as BackupStorageLocation;
    return l.status?.phase === "Available";
  });

  const name = `s3b-${ns}`;
  const backup = await velero([
    "backup",
    "create",
    name,
    "--include-namespaces",
    ns,
    "--storage-location",
    location,
    "--wait",
  ]);
  assert.equal(backup.code, 0, backup.stderr);
  assert.match(backup.stdout, /Completed/);
  for (const file of ["velero-backup.json", `${name}.tar.gz`, `${name}-logs.gz`, `${name}-results.gz`]) {
    assert.ok(
      s3.requests.some((r) => r.startsWith(`PUT /${BUCKET}/${ns}/backups/${name}/${file}`)),
      `${file} was uploaded under the location's prefix`,
    );
  }
  const logs = await velero(["backup", "logs", name]);
  assert.match(logs.stdout, /Backup completed/);
  // The CLI read the log through the DownloadRequest's presigned URL, not with the location's keys.
  assert.ok(
    s3.requests.some(
      (r) =>
        r.startsWith(`GET /${BUCKET}/${ns}/backups/${name}/${name}-logs.gz?`) &&
        r.includes("X-Amz-Signature="),
    ),
    "the log was fetched with a presigned GET",
  );

  // The cluster loses its Backup object; the files are still in the bucket: sync brings it back.
  await kubectl(["delete", "backup", name, "-n", "velero"]);
  const synced = await waitUntil<Backup>("backup sync to bring the Backup back", 60_000, async () => {
    const got = await velero(["backup", "get", name, "-o", "json"]);
    return got.code === 0 ? (JSON.parse(got.stdout) as Backup) : undefined;
  });
  assert.equal(synced.status?.phase, "Completed");
  assert.equal(synced.spec.storageLocation, location);
  assert.equal(synced.metadata.labels?.["velero.io/storage-location"], location);
});

test("an unreachable S3 location is reported Unavailable with the reason", async (t) => {
  const ns = await testNamespace(t, "s3bad");
  const location = await s3Location(t, ns, BUCKET, "dead", "http://127.0.0.1:9");
  const unavailable = await waitUntil<BackupStorageLocation>(
    "the location to be Unavailable",
    60_000,
    async () => {
      const l = JSON.parse(
        (await velero(["backup-location", "get", location, "-o", "json"])).stdout,
      ) as BackupStorageLocation;
      return l.status?.phase === "Unavailable" ? l : undefined;
    },
  );
  assert.match(unavailable.status!.message!, /cannot reach the object store/);

  const name = `dead-${ns}`;
  await velero(["backup", "create", name, "--include-namespaces", ns, "--storage-location", location]);
  const failed = await waitUntil<Backup>("the backup to fail", 60_000, async () => {
    const b = JSON.parse((await velero(["backup", "get", name, "-o", "json"])).stdout) as Backup;
    return b.status?.phase === "Failed" ? b : undefined;
  });
  assert.match(failed.status!.failureReason!, /cannot reach the object store/);
});
