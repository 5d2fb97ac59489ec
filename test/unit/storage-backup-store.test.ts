import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { text } from "node:stream/consumers";
import { test } from "node:test";
import type { Backup } from "../../src/api/v1/index.js";
import { BackupStore, type BackupParts } from "../../src/storage/backup-store.js";
import { FilesystemObjectStore } from "../../src/storage/filesystem.js";
import type { ObjectStore } from "../../src/storage/object-store.js";
import { filesUnder } from "../files.js";

/** A filesystem store that records the order of writes and deletes, and can fail one write. */
class RecordingStore extends FilesystemObjectStore implements ObjectStore {
  readonly puts: string[] = [];
  readonly deletes: string[] = [];
  failPutOf?: string;

  override async putObject(key: string, body: Readable | Buffer | string): Promise<void> {
    this.puts.push(key);
    if (key === this.failPutOf) throw new Error(`injected failure writing ${key}`);
    await super.putObject(key, body);
  }

  override async deleteObject(key: string): Promise<void> {
    this.deletes.push(key);
    await super.deleteObject(key);
  }
}

async function setup(prefix = "velero/cluster-a") {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), "velero-ts-backup-store-"));
  const store = new RecordingStore(root);
  return { root, store, backups: new BackupStore(store, prefix) };
}

function backup(name: string): Backup {
  return {
    apiVersion: "velero.io/v1",
    kind: "Backup",
    metadata: { name, namespace: "velero" },
    spec: { includedNamespaces: ["app"] },
    status: { phase: "Completed" },
  };
}

function parts(name: string): BackupParts {
  return {
    metadata: backup(name),
    contents: Readable.from([Buffer.from(`tar of ${name}`)]),
    log: Buffer.from(`log of ${name}`),
    results: Buffer.from(`results of ${name}`),
    resourceList: Buffer.from(`resources of ${name}`),
    volumeInfo: Buffer.from(`volumes of ${name}`),
    podVolumeBackups: null,
    volumeSnapshots: null,
    itemOperations: [],
  };
}

test("putBackup writes every file under Velero's keys, velero-backup.json last", async () => {
  const { root, store, backups } = await setup();
  await backups.putBackup("b1", parts("b1"));

  assert.deepEqual(await filesUnder(root), [
    "velero/cluster-a/backups/b1/b1-itemoperations.json.gz",
    "velero/cluster-a/backups/b1/b1-logs.gz",
    "velero/cluster-a/backups/b1/b1-podvolumebackups.json.gz",
    "velero/cluster-a/backups/b1/b1-resource-list.json.gz",
    "velero/cluster-a/backups/b1/b1-results.gz",
    "velero/cluster-a/backups/b1/b1-volumeinfo.json.gz",
    "velero/cluster-a/backups/b1/b1-volumesnapshots.json.gz",
    "velero/cluster-a/backups/b1/b1.tar.gz",
    "velero/cluster-a/backups/b1/velero-backup.json",
  ]);
  assert.equal(store.puts.at(-1), "velero/cluster-a/backups/b1/velero-backup.json");
  assert.equal(store.puts.length, 9);
  const metadata = JSON.parse(
    await fs.readFile(path.join(root, "velero/cluster-a/backups/b1/velero-backup.json"), "utf8"),
  ) as unknown;
  assert.deepEqual(metadata, backup("b1"));

  assert.deepEqual(await backups.getBackupMetadata("b1"), backup("b1"));
  assert.equal(await text(await backups.getBackupContents("b1")), "tar of b1");
  assert.equal(await text(await backups.getBackupLog("b1")), "log of b1");
  assert.equal(await text(await backups.getBackupResults("b1")), "results of b1");
  assert.equal(await text(await backups.getBackupResourceList("b1")), "resources of b1");
  assert.equal(await text(await backups.getBackupVolumeInfo("b1")), "volumes of b1");
  assert.equal(await backups.backupExists("b1"), true);
  assert.deepEqual(await backups.listBackups(), ["b1"]);
});

test("a backup without velero-backup.json is neither listed nor found", async () => {
  const { store, backups } = await setup();
  await backups.putBackup("complete", parts("complete"));
  await store.putObject("velero/cluster-a/backups/half/half.tar.gz", "tar");
  await store.putObject("velero/cluster-a/backups/half/half-logs.gz", "log");

  assert.deepEqual(await backups.listBackups(), ["complete"]);
  assert.equal(await backups.backupExists("half"), false);
  assert.equal(await backups.getBackupMetadata("half"), undefined);
});

test("a failed upload midway leaves no velero-backup.json and nothing of that backup", async () => {
  const { root, store, backups } = await setup();
  await backups.putBackup("kept", parts("kept"));
  store.failPutOf = "velero/cluster-a/backups/b2/b2-resource-list.json.gz";

  await assert.rejects(backups.putBackup("b2", parts("b2")), /injected failure writing/);
  assert.ok(!store.puts.includes("velero/cluster-a/backups/b2/velero-backup.json"));
  assert.deepEqual(await backups.listBackups(), ["kept"]);
  assert.deepEqual(
    (await filesUnder(root)).filter((f) => f.includes("/b2/")),
    [],
  );
  assert.equal((await filesUnder(root)).length, 9, "the other backup is untouched");
});

test("deleteBackup removes every file of the backup, velero-backup.json first", async () => {
  const { root, store, backups } = await setup();
  await backups.putBackup("b1", parts("b1"));
  await backups.putBackup("b2", parts("b2"));
  await store.putObject("velero/cluster-a/backups/b1/b1-csi-volumesnapshots.json.gz", "snapshots");

  await backups.deleteBackup("b1");
  assert.equal(store.deletes[0], "velero/cluster-a/backups/b1/velero-backup.json");
  assert.equal(new Set(store.deletes).size, 10);
  assert.deepEqual(await backups.listBackups(), ["b2"]);
  assert.ok((await filesUnder(root)).every((f) => f.startsWith("velero/cluster-a/backups/b2/")));
  await assert.rejects(fs.stat(path.join(root, "velero/cluster-a/backups/b1")), { code: "ENOENT" });
  await backups.deleteBackup("b1");
});

test("restore files go to Velero's keys and read back", async () => {
  const { root, backups } = await setup("");
  await backups.putRestoreLog("r1", Buffer.from("log"));
  await backups.putRestoreResults("r1", Readable.from([Buffer.from("results")]));
  await backups.putRestoreResourceList("r1", Buffer.from("resources"));
  await backups.putRestoreVolumeInfo("r1", Buffer.from("volumes"));
  await backups.putRestoreItemOperations("r1", []);

  assert.deepEqual(await filesUnder(root), [
    "restores/r1/r1-volumeinfo.json.gz",
    "restores/r1/restore-r1-itemoperations.json.gz",
    "restores/r1/restore-r1-logs.gz",
    "restores/r1/restore-r1-resource-list.json.gz",
    "restores/r1/restore-r1-results.gz",
  ]);
  assert.equal(await text(await backups.getRestoreLog("r1")), "log");
  assert.equal(await text(await backups.getRestoreResults("r1")), "results");
  assert.equal(await text(await backups.getRestoreResourceList("r1")), "resources");
  assert.equal(await text(await backups.getRestoreVolumeInfo("r1")), "volumes");
});

test("deleteRestore removes every file of the restore and nothing of another", async () => {
  const { root, backups } = await setup("");
  for (const r of ["r1", "r2"]) {
    await backups.putRestoreLog(r, Buffer.from("log"));
    await backups.putRestoreResults(r, Buffer.from("results"));
    await backups.putRestoreResourceList(r, Buffer.from("resources"));
    await backups.putRestoreVolumeInfo(r, Buffer.from("volumes"));
    await backups.putRestoreItemOperations(r, []);
  }
  await backups.deleteRestore("r1");
  const left = await filesUnder(root);
  assert.equal(left.length, 5);
  assert.ok(left.every((f) => f.startsWith("restores/r2/")));
});

test("validate accepts Velero's top-level directories under the prefix and ignores the rest of the bucket", async () => {
  const { store, backups } = await setup();
  await backups.validate();
  for (const dir of ["backups", "restores", "restic", "kopia", "metadata", "plugins"]) {
    await store.putObject(`velero/cluster-a/${dir}/x`, "x");
  }
  await store.putObject("velero/cluster-a/a-top-level-file", "x");
  await store.putObject("velero/other-cluster/photos/x", "x");
  await backups.validate();
});

test("validate rejects unknown top-level directories with Velero's message", async () => {
  const { store, backups } = await setup();
  await store.putObject("velero/cluster-a/backups/b/velero-backup.json", "{}");
  await store.putObject("velero/cluster-a/photos/cat.jpg", "x");
  await store.putObject("velero/cluster-a/Backups/x", "x");
  await assert.rejects(backups.validate(), {
    message: "Backup store contains invalid top-level directories: [Backups photos]",
  });

  await store.putObject("velero/cluster-a/tmp/x", "x");
  await store.putObject("velero/cluster-a/videos/x", "x");
  await assert.rejects(backups.validate(), {
    message: "Backup store contains 4 invalid top-level directories: [Backups photos tmp ...]",
  });
});
