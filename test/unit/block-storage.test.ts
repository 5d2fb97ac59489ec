import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { BlockStorage } from "../../src/local-cluster/block-storage.js";

async function tempStorage(): Promise<BlockStorage> {
  return new BlockStorage(await fs.mkdtemp(path.join(os.tmpdir(), "block-storage-")));
}

test("a snapshot keeps the disk's data as it was when taken", async () => {
  const storage = await tempStorage();
  const disk = await storage.createVolume(1024);
  await fs.writeFile(path.join(storage.volumeDataPath(disk), "a.txt"), "before");
  const snapshot = await storage.createSnapshot(disk);
  await fs.writeFile(path.join(storage.volumeDataPath(disk), "a.txt"), "after");

  assert.equal(snapshot.sourceVolume, disk);
  assert.equal(snapshot.sizeBytes, 1024);
  assert.deepEqual(await storage.getSnapshot(snapshot.id), snapshot);

  const restored = await storage.createVolumeFromSnapshot(snapshot.id, 512);
  assert.notEqual(restored, disk);
  assert.equal(await fs.readFile(path.join(storage.volumeDataPath(restored), "a.txt"), "utf8"), "before");
});

test("a clone copies the disk and is independent of it", async () => {
  const storage = await tempStorage();
  const disk = await storage.createVolume(1024);
  await fs.mkdir(path.join(storage.volumeDataPath(disk), "sub"));
  await fs.writeFile(path.join(storage.volumeDataPath(disk), "sub", "b.txt"), "data");
  const clone = await storage.cloneVolume(disk, 1024);
  await fs.rm(path.join(storage.volumeDataPath(disk), "sub"), { recursive: true });
  assert.equal(await fs.readFile(path.join(storage.volumeDataPath(clone), "sub", "b.txt"), "utf8"), "data");
});

test("deleted disks and snapshots are gone; unknown ones are reported", async () => {
  const storage = await tempStorage();
  const disk = await storage.createVolume(1);
  const snapshot = await storage.createSnapshot(disk);
  await storage.deleteSnapshot(snapshot.id);
  assert.equal(await storage.getSnapshot(snapshot.id), undefined);
  await assert.rejects(storage.createVolumeFromSnapshot(snapshot.id, 1), /does not exist/);
  await storage.deleteVolume(disk);
  assert.equal(await storage.volumeExists(disk), false);
  await assert.rejects(storage.createSnapshot(disk), /volume .* does not exist/);
});

test("ids that would leave the storage directory are refused", async () => {
  const storage = await tempStorage();
  assert.throws(() => storage.volumeDataPath("../etc"), /invalid block storage id/);
  assert.equal(await storage.getSnapshot("../../x"), undefined);
  await assert.rejects(storage.deleteSnapshot(".."), /invalid block storage id/);
});
