import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PassThrough, Readable, Writable } from "node:stream";
import { craftedArchive } from "../archives.js";
import { test } from "node:test";
import {
  UnsafeArchiveEntryError,
  ArchiveLimitError,
  readBackupArchive,
  type ArchiveEntry,
  type ReadBackupArchiveOptions,
} from "../../src/archive/backup-archive-reader.js";
import { BackupArchiveWriter, type ArchiveItem } from "../../src/archive/backup-archive-writer.js";

async function archiveOf(items: ArchiveItem[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const writer = new BackupArchiveWriter(
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk);
        done();
      },
    }),
  );
  for (const item of items) await writer.addItem(item);
  await writer.finish();
  return Buffer.concat(chunks);
}

async function readAll(archive: Buffer, options?: ReadBackupArchiveOptions): Promise<ArchiveEntry[]> {
  const entries: ArchiveEntry[] = [];
  for await (const entry of readBackupArchive(Readable.from([archive]), options)) entries.push(entry);
  return entries;
}

const item = (i: number): ArchiveItem => ({
  group: "apps",
  version: "v1",
  resource: "deployments",
  namespace: "shop",
  name: `web-${i}`,
  object: { kind: "Deployment", metadata: { name: `web-${i}`, namespace: "shop" } },
});

test("what the writer wrote reads back item by item, at both paths", async () => {
  const clusterItem: ArchiveItem = {
    group: "",
    version: "v1",
    resource: "namespaces",
    name: "shop",
    object: { kind: "Namespace", metadata: { name: "shop" } },
  };
  const versions: string[] = [];
  const entries = await readAll(await archiveOf([item(1), clusterItem]), {
    onFormatVersion: (version) => versions.push(version),
  });
  assert.deepEqual(versions, ["1.1.0"]);
  assert.deepEqual(
    entries.map(({ data, ...rest }) => ({ ...rest, object: JSON.parse(data.toString()) as unknown })),
    [
      {
        path: "resources/deployments.apps/namespaces/shop/web-1.json",
        groupResource: "deployments.apps",
        namespace: "shop",
        name: "web-1",
        object: item(1).object,
      },
      {
        path: "resources/deployments.apps/v1-preferredversion/namespaces/shop/web-1.json",
        groupResource: "deployments.apps",
        namespace: "shop",
        name: "web-1",
        preferredVersion: "v1",
        object: item(1).object,
      },
      {
        path: "resources/namespaces/cluster/shop.json",
        groupResource: "namespaces",
        name: "shop",
        object: clusterItem.object,
      },
      {
        path: "resources/namespaces/v1-preferredversion/cluster/shop.json",
        groupResource: "namespaces",
        name: "shop",
        preferredVersion: "v1",
        object: clusterItem.object,
      },
    ],
  );
});

test("with topLevelOnly, each item comes out once, from its top-level path", async () => {
  const entries = await readAll(await archiveOf([item(1), item(2)]), { topLevelOnly: true });
  assert.deepEqual(
    entries.map((e) => e.path),
    [
      "resources/deployments.apps/namespaces/shop/web-1.json",
      "resources/deployments.apps/namespaces/shop/web-2.json",
    ],
  );
});

test("the first item comes out before the rest of the archive has arrived", async () => {
  const items = Array.from({ length: 2000 }, (_, i) => ({
    ...item(i),
    object: { filler: `${i}`.repeat(200) },
  }));
  const archive = await archiveOf(items);
  const input = new PassThrough();
  input.write(archive.subarray(0, archive.length / 4));
  const iterator = readBackupArchive(input)[Symbol.asyncIterator]();
  const first = await Promise.race([
    iterator.next(),
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error("no item before the input ended")), 5000).unref(),
    ),
  ]);
  assert.equal(first.done, false);
  assert.equal(first.value?.name, "web-0");
  input.end(archive.subarray(archive.length / 4));
  let count = 1;
  while (!(await iterator.next()).done) count++;
  assert.equal(count, 4000);
});

test("an archive made by GNU tar from a directory reads too: directory entries and ./ are fine", async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "archive-gnu-"));
  await fs.mkdir(path.join(dir, "resources/pods/namespaces/shop"), { recursive: true });
  await fs.writeFile(path.join(dir, "resources/pods/namespaces/shop/db.json"), '{"kind":"Pod"}');
  await fs.mkdir(path.join(dir, "metadata"));
  await fs.writeFile(path.join(dir, "metadata/version"), "1.1.0\n");
  await fs.writeFile(path.join(dir, "notes.txt"), "not part of a backup");
  const archive = execFileSync("tar", ["-czf", "-", "-C", dir, "."]);
  const entries = await readAll(archive);
  assert.deepEqual(
    entries.map((entry) => [
      entry.path,
      entry.groupResource,
      entry.namespace,
      entry.name,
      entry.data.toString(),
    ]),
    [["resources/pods/namespaces/shop/db.json", "pods", "shop", "db", '{"kind":"Pod"}']],
  );
});

/** Reads the archive with the working directory in an empty temp dir, and checks nothing landed anywhere. */
async function assertRefusedWithoutWriting(
  archive: Buffer,
  entryPath: string,
  reason: RegExp,
  options?: ReadBackupArchiveOptions,
): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "archive-refuse-"));
  const before = process.cwd();
  process.chdir(dir);
  try {
    await assert.rejects(readAll(archive, options), (error: unknown) => {
      assert.ok(error instanceof UnsafeArchiveEntryError, String(error));
      assert.equal(error.entryPath, entryPath);
      assert.match(error.message, reason);
      assert.ok(error.message.includes(entryPath), "the message names the entry");
      return true;
    });
  } finally {
    process.chdir(before);
  }
  assert.deepEqual(await fs.readdir(dir), [], "nothing was written in the working directory");
}

test("an entry with an absolute path is refused", async () => {
  const target = path.join(os.tmpdir(), `archive-abs-${process.pid}`, "evil.json");
  await assertRefusedWithoutWriting(
    craftedArchive([{ path: target, type: "File", body: Buffer.from("{}") }]),
    target,
    /absolute path/,
  );
  assert.equal(existsSync(target), false);
});

test("an absolute path written by GNU tar -P is refused", async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "archive-gnu-abs-"));
  await fs.writeFile(path.join(dir, "item.json"), "{}");
  const archive = execFileSync("tar", ["-czPf", "-", path.join(dir, "item.json")]);
  await assertRefusedWithoutWriting(archive, path.join(dir, "item.json"), /absolute path/);
});

test("an entry with '..' in its path is refused", async () => {
  const escape = `../archive-escape-${process.pid}.json`;
  await assertRefusedWithoutWriting(
    craftedArchive([{ path: `resources/pods/namespaces/${escape}`, type: "File", body: Buffer.from("{}") }]),
    `resources/pods/namespaces/${escape}`,
    /'\.\.' in path/,
  );
  await assertRefusedWithoutWriting(
    craftedArchive([{ path: escape, type: "File" }]),
    escape,
    /'\.\.' in path/,
  );
  assert.equal(existsSync(path.join(os.tmpdir(), escape)), false);
});

test("symlinks and hard links are refused, whatever they point at", async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "archive-links-"));
  await fs.mkdir(path.join(dir, "resources"));
  await fs.symlink("/etc/passwd", path.join(dir, "resources/evil.json"));
  await assertRefusedWithoutWriting(
    execFileSync("tar", ["-czf", "-", "-C", dir, "resources/evil.json"]),
    "resources/evil.json",
    /link entries are not allowed/,
  );
  await assertRefusedWithoutWriting(
    craftedArchive([
      { path: "metadata/version", type: "File", body: Buffer.from("1.1.0\n") },
      { path: "resources/pods/cluster/x.json", type: "Link", linkpath: "metadata/version" },
    ]),
    "resources/pods/cluster/x.json",
    /link entries are not allowed/,
  );
});

test("devices and FIFOs are refused as not regular files", async () => {
  for (const type of ["CharacterDevice", "BlockDevice", "FIFO"] as const) {
    await assertRefusedWithoutWriting(
      craftedArchive([{ path: "resources/pods/cluster/x.json", type }]),
      "resources/pods/cluster/x.json",
      /not a regular file/,
    );
  }
});

test("an entry over the size bound is refused before it is read", async () => {
  const big = Buffer.alloc(33 * 1024 * 1024, " ");
  await assert.rejects(
    readAll(
      craftedArchive([{ path: "resources/configmaps/namespaces/a/big.json", type: "File", body: big }]),
    ),
    (error: unknown) => {
      assert.ok(error instanceof ArchiveLimitError, String(error));
      assert.equal(error.limit, "entry");
      assert.equal(
        error.message,
        'entry "resources/configmaps/namespaces/a/big.json" in backup archive: entry of 34603008 bytes is over the limit of 33554432 bytes',
      );
      return true;
    },
  );
});

test("the entry bound can be set lower", async () => {
  await assert.rejects(
    readAll(await archiveOf([{ ...item(1), object: { filler: "x".repeat(2000) } }]), { maxEntryBytes: 1000 }),
    /web-1.json" in backup archive: entry of \d+ bytes is over the limit of 1000 bytes/,
  );
});

test("an archive that decompresses past the total bound is refused, even in entries it would skip", async () => {
  // 64 MiB of zeros compress to about 64 KiB: a small bomb, in a file the reader does not keep.
  const bomb = craftedArchive([{ path: "notes/zeros.bin", type: "File", body: Buffer.alloc(64 << 20) }]);
  await assert.rejects(readAll(bomb, { maxTotalBytes: 1 << 20 }), (error: unknown) => {
    assert.ok(error instanceof ArchiveLimitError, String(error));
    assert.equal(error.limit, "total");
    assert.equal(error.message, "backup archive decompresses to more than 1048576 bytes");
    return true;
  });
});

test("items before a refused entry are yielded, then the error", async () => {
  const archive = craftedArchive([
    { path: "resources/pods/namespaces/a/ok.json", type: "File", body: Buffer.from("{}") },
    { path: "/etc/cron.d/evil", type: "File", body: Buffer.from("* * * * * root true") },
    { path: "resources/pods/namespaces/a/after.json", type: "File", body: Buffer.from("{}") },
  ]);
  const names: string[] = [];
  await assert.rejects(async () => {
    for await (const entry of readBackupArchive(Readable.from([archive]))) names.push(entry.name);
  }, UnsafeArchiveEntryError);
  assert.deepEqual(names, ["ok"]);
});

test("paths outside the item layout are skipped", async () => {
  const archive = craftedArchive([
    { path: "notes/readme.txt", type: "File", body: Buffer.from("hi") },
    { path: "resources/pods/v1beta1/namespaces/a/old.json", type: "File", body: Buffer.from("{}") },
    { path: "resources/pods/namespaces/a/extra/deep.json", type: "File", body: Buffer.from("{}") },
    { path: "resources/pods/namespaces/a/no-suffix", type: "File", body: Buffer.from("{}") },
    { path: "resources/pods/namespaces/a/kept.json", type: "File", body: Buffer.from("{}") },
  ]);
  assert.deepEqual(
    (await readAll(archive)).map((entry) => entry.path),
    ["resources/pods/namespaces/a/kept.json"],
  );
});

test("a truncated or foreign stream is an error, not a short restore", async () => {
  const archive = await archiveOf([item(1), item(2)]);
  await assert.rejects(readAll(archive.subarray(0, archive.length - 30)), /cannot read backup archive/);
  await assert.rejects(
    readAll(Buffer.from("this is not an archive at all, not even close".repeat(20))),
    /cannot read backup archive/,
  );
  await assert.rejects(readAll(Buffer.alloc(0)), /cannot read backup archive/);
});
