// AwsObjectStore and BackupStore against a real S3-compatible server (s3rver) on 127.0.0.1.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import net from "node:net";
import { Readable } from "node:stream";
import { text } from "node:stream/consumers";
import { after, before, test } from "node:test";
import type { Backup } from "../../src/api/v1/index.js";
import { AwsObjectStore, type AwsObjectStoreOptions } from "../../src/storage/aws.js";
import { BackupStore } from "../../src/storage/backup-store.js";
import { ObjectNotFoundError } from "../../src/storage/object-store.js";
import { S3_CREDENTIALS, startS3Server, type S3Server } from "./s3-server.js";

const BUCKET = "velero-backups";

let server: S3Server;
let s3Url: string;
/** "METHOD /path?query" of every request the server got. */
let requests: string[];

before(async () => {
  server = await startS3Server([BUCKET]);
  s3Url = server.url;
  requests = server.requests;
});

after(() => server.stop());

function s3Store(options: Partial<AwsObjectStoreOptions> = {}): AwsObjectStore {
  return new AwsObjectStore({
    bucket: BUCKET,
    s3Url,
    s3ForcePathStyle: true,
    credentialsFile: S3_CREDENTIALS,
    ...options,
  });
}

async function sha256(stream: Readable): Promise<{ hex: string; bytes: number }> {
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { hex: hash.digest("hex"), bytes };
}

test("objects put from a buffer, a string or a stream read back; exists, delete and missing keys", async () => {
  const store = s3Store();
  await store.putObject("objects/a.txt", "alpha");
  await store.putObject("objects/b.bin", Buffer.from([0, 1, 2, 255]));
  await store.putObject("objects/c.log", Readable.from([Buffer.from("one "), Buffer.from("two")]));

  assert.equal(await text(await store.getObject("objects/a.txt")), "alpha");
  const binary = Buffer.concat((await (await store.getObject("objects/b.bin")).toArray()) as Buffer[]);
  assert.deepEqual(binary, Buffer.from([0, 1, 2, 255]));
  assert.equal(await text(await store.getObject("objects/c.log")), "one two");
  assert.equal(await store.objectExists("objects/a.txt"), true);
  assert.equal(await store.objectExists("objects/nope"), false);

  await assert.rejects(store.getObject("objects/nope"), (err: unknown) => {
    assert.ok(err instanceof ObjectNotFoundError);
    assert.equal(err.key, "objects/nope");
    return true;
  });
  await store.deleteObject("objects/a.txt");
  await store.deleteObject("objects/never-was");
  assert.equal(await store.objectExists("objects/a.txt"), false);
  assert.deepEqual(await store.listObjects("objects/"), ["objects/b.bin", "objects/c.log"]);
});

test("a 12 MiB stream is uploaded in parts and its bytes round-trip", async () => {
  const store = s3Store();
  const chunks = Array.from({ length: 12 }, () => randomBytes(1024 * 1024));
  const expected = createHash("sha256");
  for (const chunk of chunks) expected.update(chunk);

  await store.putObject("big/archive.tar.gz", Readable.from(chunks));
  const got = await sha256(await store.getObject("big/archive.tar.gz"));
  assert.equal(got.bytes, 12 * 1024 * 1024);
  assert.equal(got.hex, expected.digest("hex"));

  const partUploads = requests.filter(
    (r) => r.startsWith(`PUT /${BUCKET}/big/archive.tar.gz?`) && r.includes("partNumber="),
  );
  assert.equal(partUploads.length, 3, "12 MiB goes up as three parts of 5, 5 and 2 MiB");
});

test("listCommonPrefixes and listObjects go through every page", async () => {
  const store = s3Store();
  const keys = Array.from({ length: 1001 }, (_, i) => `paged/k${String(i).padStart(4, "0")}`);
  for (let i = 0; i < keys.length; i += 50) {
    await Promise.all(keys.slice(i, i + 50).map((key) => store.putObject(key, "x")));
  }
  await store.putObject("tree/backups/b1/x", "x");
  await store.putObject("tree/backups/b2/y/z", "x");
  await store.putObject("tree/restores/r1/x", "x");
  await store.putObject("tree/file", "x");

  assert.deepEqual(await store.listObjects("paged/"), keys);
  assert.deepEqual(await store.listCommonPrefixes("tree/", "/"), ["tree/backups/", "tree/restores/"]);
  assert.deepEqual(await store.listCommonPrefixes("tree/backups/", "/"), [
    "tree/backups/b1/",
    "tree/backups/b2/",
  ]);
  assert.deepEqual(await store.listCommonPrefixes("nothing/", "/"), []);
});

function backup(name: string): Backup {
  return {
    apiVersion: "velero.io/v1",
    kind: "Backup",
    metadata: { name, namespace: "velero" },
    spec: {},
    status: { phase: "Completed" },
  };
}

test("BackupStore puts, lists, reads and deletes a backup in S3 under a prefix", async () => {
  const store = s3Store();
  const backups = new BackupStore(store, "cluster-a");
  await backups.validate();
  await backups.putBackup("nightly", {
    metadata: backup("nightly"),
    contents: Readable.from([Buffer.from("tar")]),
    log: Buffer.from("log"),
    results: Buffer.from("results"),
    resourceList: Buffer.from("resources"),
    volumeInfo: Buffer.from("volumes"),
    podVolumeBackups: null,
    volumeSnapshots: null,
    itemOperations: [],
  });

  assert.deepEqual(await backups.listBackups(), ["nightly"]);
  assert.deepEqual(await backups.getBackupMetadata("nightly"), backup("nightly"));
  assert.equal(await text(await backups.getBackupContents("nightly")), "tar");
  assert.deepEqual(await store.listObjects("cluster-a/backups/nightly/"), [
    "cluster-a/backups/nightly/nightly-itemoperations.json.gz",
    "cluster-a/backups/nightly/nightly-logs.gz",
    "cluster-a/backups/nightly/nightly-podvolumebackups.json.gz",
    "cluster-a/backups/nightly/nightly-resource-list.json.gz",
    "cluster-a/backups/nightly/nightly-results.gz",
    "cluster-a/backups/nightly/nightly-volumeinfo.json.gz",
    "cluster-a/backups/nightly/nightly-volumesnapshots.json.gz",
    "cluster-a/backups/nightly/nightly.tar.gz",
    "cluster-a/backups/nightly/velero-backup.json",
  ]);
  await backups.validate();

  await backups.deleteBackup("nightly");
  assert.deepEqual(await backups.listBackups(), []);
  assert.deepEqual(await store.listObjects("cluster-a/"), []);
});

test("validate rejects a bucket holding other top-level directories", async () => {
  const store = s3Store();
  await store.putObject("shared/backups/b/velero-backup.json", "{}");
  await store.putObject("shared/photos/cat.jpg", "x");
  await assert.rejects(new BackupStore(store, "shared").validate(), {
    message: "Backup store contains invalid top-level directories: [photos]",
  });
});

test("an unreachable endpoint, a missing bucket or bad credentials fail validate() clearly", async () => {
  const closedPort = await new Promise<number>((resolve) => {
    const probe = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
  const unreachable = `http://127.0.0.1:${closedPort}`;
  await assert.rejects(new BackupStore(s3Store({ s3Url: unreachable })).validate(), {
    message: new RegExp(
      `^bucket "${BUCKET}" at ${unreachable}: cannot reach the object store: .*ECONNREFUSED.*\\(listing the top level\\)$`,
    ),
  });

  await assert.rejects(new BackupStore(s3Store({ bucket: "no-such-bucket" })).validate(), {
    message: `bucket "no-such-bucket" at ${s3Url}: no such bucket (listing the top level)`,
  });

  const wrongKeys = "[default]\naws_access_key_id = NOT-A-KEY\naws_secret_access_key = wrong-secret\n";
  await assert.rejects(new BackupStore(s3Store({ credentialsFile: wrongKeys })).validate(), (err: Error) => {
    assert.match(err.message, /access denied \(InvalidAccessKeyId\): check the credentials/);
    assert.ok(!err.message.includes("wrong-secret"));
    return true;
  });
});
