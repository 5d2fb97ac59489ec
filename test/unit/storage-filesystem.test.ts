import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { text } from "node:stream/consumers";
import { test } from "node:test";
import { FilesystemObjectStore } from "../../src/storage/filesystem.js";
import { ObjectNotFoundError } from "../../src/storage/object-store.js";
import { filesUnder } from "../files.js";

async function tempRoot(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), "velero-ts-fs-store-"));
}

test("objects written from a buffer, a string or a stream read back as plain files under the root", async () => {
  const root = await tempRoot();
  const store = new FilesystemObjectStore(root);
  await store.putObject("backups/b1/b1.tar.gz", Buffer.from([0x1f, 0x8b, 0x00]));
  await store.putObject("backups/b1/velero-backup.json", '{"kind":"Backup"}');
  await store.putObject(
    "restores/r1/log.gz",
    Readable.from([Buffer.from("line 1\n"), Buffer.from("line 2\n")]),
  );

  assert.deepEqual(await fs.readFile(path.join(root, "backups/b1/b1.tar.gz")), Buffer.from([0x1f, 0x8b, 0]));
  assert.equal(await text(await store.getObject("backups/b1/velero-backup.json")), '{"kind":"Backup"}');
  assert.equal(await text(await store.getObject("restores/r1/log.gz")), "line 1\nline 2\n");
  assert.equal(await store.objectExists("backups/b1/b1.tar.gz"), true);
  assert.equal(await store.objectExists("backups/b1/missing"), false);
  assert.equal(await store.objectExists("backups/b1"), false, "a directory is not an object");
});

test("reading a missing key throws ObjectNotFoundError naming the key", async () => {
  const store = new FilesystemObjectStore(await tempRoot());
  await store.putObject("backups/b1/x", "x");
  for (const key of ["backups/b1/nope", "backups/b1", "backups/b1/x/deeper"]) {
    await assert.rejects(store.getObject(key), (err: unknown) => {
      assert.ok(err instanceof ObjectNotFoundError);
      assert.equal(err.key, key);
      return true;
    });
  }
});

test("listObjects returns every key under a prefix, sorted, and [] for a missing directory", async () => {
  const store = new FilesystemObjectStore(await tempRoot());
  for (const key of ["backups/b1/a", "backups/b1/sub/c", "backups/b10/a", "backups/b2/a", "restores/r/a"]) {
    await store.putObject(key, key);
  }
  assert.deepEqual(await store.listObjects("backups/b1/"), ["backups/b1/a", "backups/b1/sub/c"]);
  assert.deepEqual(await store.listObjects("backups/b1"), [
    "backups/b1/a",
    "backups/b1/sub/c",
    "backups/b10/a",
  ]);
  assert.deepEqual((await store.listObjects("")).length, 5);
  assert.deepEqual(await store.listObjects("kopia/"), []);
  assert.deepEqual(await store.listObjects("backups/b1/a/"), [], "a file is not a directory");
});

test("listCommonPrefixes gives the directories right under a prefix that hold objects", async () => {
  const root = await tempRoot();
  const store = new FilesystemObjectStore(root);
  for (const key of [
    "velero/backups/b1/x",
    "velero/backups/b2/deep/y",
    "velero/restores/r1/z",
    "velero/top",
  ]) {
    await store.putObject(key, "data");
  }
  await fs.mkdir(path.join(root, "velero/backups/empty/nested"), { recursive: true });

  assert.deepEqual(await store.listCommonPrefixes("velero/backups/", "/"), [
    "velero/backups/b1/",
    "velero/backups/b2/",
  ]);
  assert.deepEqual(await store.listCommonPrefixes("velero/", "/"), ["velero/backups/", "velero/restores/"]);
  assert.deepEqual(await store.listCommonPrefixes("", "/"), ["velero/"]);
  assert.deepEqual(await store.listCommonPrefixes("velero/backups/b", "/"), [
    "velero/backups/b1/",
    "velero/backups/b2/",
  ]);
  assert.deepEqual(await store.listCommonPrefixes("nothing/here/", "/"), []);
  assert.deepEqual(await store.listCommonPrefixes("velero/backups/b", "-"), []);
  await store.putObject("velero/backups/b3-logs.gz", "l");
  assert.deepEqual(await store.listCommonPrefixes("velero/backups/b", "-"), ["velero/backups/b3-"]);
});

test("deleteObject removes the file and the directories it emptied, never the root", async () => {
  const root = await tempRoot();
  const store = new FilesystemObjectStore(root);
  await store.putObject("backups/b1/sub/a", "a");
  await store.putObject("backups/b2/a", "a");

  await store.deleteObject("backups/b1/sub/a");
  assert.deepEqual(await fs.readdir(path.join(root, "backups")), ["b2"]);
  await store.deleteObject("backups/b2/a");
  assert.deepEqual(await fs.readdir(root), []);
  await store.deleteObject("backups/b2/a");
  await store.deleteObject("never/was/there");
  assert.deepEqual(await fs.readdir(root), []);
});

test("unsafe keys are refused with a clear error and nothing is written outside the root", async () => {
  const parent = await tempRoot();
  const root = path.join(parent, "root");
  const store = new FilesystemObjectStore(root);
  const unsafe: [string, RegExp][] = [
    ["/etc/passwd", /it is absolute/],
    ["../escaped", /has a "\.\." path segment/],
    ["backups/../../escaped", /has a "\.\." path segment/],
    ["backups/./b1", /has a "\." path segment/],
    ["backups//b1", /empty path segment/],
    ["backups/b1/", /empty path segment/],
    ["", /empty path segment/],
    ["backups/b\0", /NUL/],
  ];
  for (const [key, why] of unsafe) {
    const message = new RegExp(
      `invalid object key ${JSON.stringify(key).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`,
    );
    await assert.rejects(store.putObject(key, "x"), message);
    await assert.rejects(store.putObject(key, "x"), why);
    await assert.rejects(store.getObject(key), message);
    await assert.rejects(store.objectExists(key), message);
    await assert.rejects(store.deleteObject(key), message);
  }
  await assert.rejects(store.listObjects("../"), /invalid object key/);
  await assert.rejects(store.listCommonPrefixes("/etc/", "/"), /invalid object key/);
  assert.deepEqual(await fs.readdir(parent), []);
});

test("an overwrite replaces the object whole and leaves no temp file", async () => {
  const root = await tempRoot();
  const store = new FilesystemObjectStore(root);
  await store.putObject("backups/b1/velero-backup.json", "old");
  const openedBefore = await store.getObject("backups/b1/velero-backup.json");
  await store.putObject("backups/b1/velero-backup.json", Readable.from(["n", "e", "w"]));

  assert.equal(await text(await store.getObject("backups/b1/velero-backup.json")), "new");
  assert.equal(
    await text(openedBefore),
    "old",
    "a reader that opened the object before sees the old one whole",
  );
  assert.deepEqual(await filesUnder(root), ["backups/b1/velero-backup.json"]);
});

test("a failed write leaves the previous object intact and no temp file", async () => {
  const root = await tempRoot();
  const store = new FilesystemObjectStore(root);
  await store.putObject("backups/b1/b1.tar.gz", "complete");
  const breaksMidway = () => {
    let sent = false;
    return new Readable({
      read() {
        if (sent) this.destroy(new Error("upstream broke"));
        else this.push(Buffer.alloc(64 * 1024, 1));
        sent = true;
      },
    });
  };
  await assert.rejects(store.putObject("backups/b1/b1.tar.gz", breaksMidway()), /upstream broke/);
  await assert.rejects(store.putObject("backups/b2/b2.tar.gz", breaksMidway()), /upstream broke/);

  assert.equal(await text(await store.getObject("backups/b1/b1.tar.gz")), "complete");
  assert.equal(await store.objectExists("backups/b2/b2.tar.gz"), false);
  assert.deepEqual(await filesUnder(root), ["backups/b1/b1.tar.gz"]);
  assert.deepEqual(await store.listObjects(""), ["backups/b1/b1.tar.gz"]);
});

test("a temp file of a write in flight is never listed", async () => {
  const root = await tempRoot();
  const store = new FilesystemObjectStore(root);
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  async function* slow() {
    yield Buffer.from("part one");
    await held;
    yield Buffer.from(", part two");
  }
  const writing = store.putObject("backups/b1/b1.tar.gz", Readable.from(slow()));
  // Wait until the temp file is on disk, then list.
  while ((await filesUnder(root)).length === 0) await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(await store.listObjects(""), []);
  assert.deepEqual(await store.listCommonPrefixes("backups/", "/"), []);
  assert.equal(await store.objectExists("backups/b1/b1.tar.gz"), false);
  release();
  await writing;
  assert.deepEqual(await store.listObjects(""), ["backups/b1/b1.tar.gz"]);
  assert.equal(await text(await store.getObject("backups/b1/b1.tar.gz")), "part one, part two");
});
