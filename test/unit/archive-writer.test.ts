import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { Writable } from "node:stream";
import { test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Parser, type ReadEntry } from "tar";
import { BackupArchiveWriter, type ArchiveItem } from "../../src/archive/backup-archive-writer.js";

/** A sink that keeps what it is given. */
function collector(): { sink: Writable; bytes: () => Buffer } {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  return { sink, bytes: () => Buffer.concat(chunks) };
}

async function archiveOf(items: ArchiveItem[]): Promise<Buffer> {
  const { sink, bytes } = collector();
  const writer = new BackupArchiveWriter(sink);
  for (const item of items) await writer.addItem(item);
  await writer.finish();
  return bytes();
}

interface ListedEntry {
  path: string;
  type: string;
  mode: number | undefined;
  body: string;
}

/** Every entry of an archive, as the tar package's parser sees it. */
async function entriesOf(archive: Buffer): Promise<ListedEntry[]> {
  const entries: ListedEntry[] = [];
  const parser = new Parser({ strict: true });
  parser.on("entry", (entry: ReadEntry) => {
    const chunks: Buffer[] = [];
    entry.on("data", (chunk: Buffer) => chunks.push(chunk));
    entry.on("end", () =>
      entries.push({
        path: entry.path,
        type: entry.type,
        mode: entry.mode,
        body: Buffer.concat(chunks).toString(),
      }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    parser.on("error", reject);
    parser.on("end", resolve);
    parser.end(archive);
  });
  return entries;
}

const deployment: ArchiveItem = {
  group: "apps",
  version: "v1",
  resource: "deployments",
  namespace: "shop",
  name: "web",
  object: { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "shop" } },
};
const namespaceItem: ArchiveItem = {
  group: "",
  version: "v1",
  resource: "namespaces",
  name: "shop",
  object: { apiVersion: "v1", kind: "Namespace", metadata: { name: "shop" } },
};

test("the archive holds metadata/version first, then each item at both of its paths", async () => {
  const entries = await entriesOf(await archiveOf([deployment, namespaceItem]));
  assert.deepEqual(
    entries.map((entry) => entry.path),
    [
      "metadata/version",
      "resources/deployments.apps/namespaces/shop/web.json",
      "resources/deployments.apps/v1-preferredversion/namespaces/shop/web.json",
      "resources/namespaces/cluster/shop.json",
      "resources/namespaces/v1-preferredversion/cluster/shop.json",
    ],
  );
  assert.equal(entries[0]!.body, "1.1.0\n");
});

test("entries are regular files with mode 0644, no directory entries", async () => {
  const entries = await entriesOf(await archiveOf([deployment, namespaceItem]));
  for (const entry of entries) {
    assert.equal(entry.type, "File", entry.path);
    assert.equal(entry.mode, 0o644, entry.path);
  }
});

test("items are compact JSON that reads back to the same object", async () => {
  const entries = await entriesOf(await archiveOf([deployment]));
  for (const entry of entries.slice(1)) {
    assert.equal(entry.body, JSON.stringify(deployment.object));
    assert.doesNotMatch(entry.body, /\n|": /);
    assert.deepEqual(JSON.parse(entry.body), deployment.object);
  }
});

test("GNU tar reads the archive, including paths too long for plain ustar", async () => {
  const longItem: ArchiveItem = {
    ...deployment,
    namespace: "n".repeat(63),
    name: "a".repeat(253),
  };
  // Over ustar's 100-byte name field but within name and prefix together.
  const middleItem: ArchiveItem = { ...deployment, namespace: "m".repeat(40), name: "b".repeat(60) };
  const archive = await archiveOf([deployment, longItem, middleItem]);
  const listing = execFileSync("tar", ["-tvz", "--numeric-owner"], { input: archive })
    .toString()
    .trim()
    .split("\n");
  assert.equal(listing.length, 7);
  for (const line of listing) assert.match(line, /^-rw-r--r-- 0\/0 /);
  const middlePath = `resources/deployments.apps/namespaces/${"m".repeat(40)}/${"b".repeat(60)}.json`;
  assert.ok(middlePath.length > 100);
  assert.ok(listing.some((line) => line.endsWith(` ${middlePath}`)));
  assert.deepEqual(
    JSON.parse(execFileSync("tar", ["-xzO", middlePath], { input: archive }).toString()),
    middleItem.object,
  );
  const longPath = `resources/deployments.apps/v1-preferredversion/namespaces/${"n".repeat(63)}/${"a".repeat(253)}.json`;
  assert.ok(
    listing.some((line) => line.endsWith(` ${longPath}`)),
    "the long path is whole",
  );
  const content = execFileSync("tar", ["-xzO", longPath], { input: archive }).toString();
  assert.deepEqual(JSON.parse(content), longItem.object);
});

test("itemCount counts items, and a cluster-scoped item may say its namespace is empty", async () => {
  const { sink, bytes } = collector();
  const writer = new BackupArchiveWriter(sink);
  await writer.addItem(deployment);
  await writer.addItem({ ...namespaceItem, namespace: "" });
  assert.equal(writer.itemCount, 2);
  await writer.finish();
  const paths = (await entriesOf(bytes())).map((entry) => entry.path);
  assert.ok(paths.includes("resources/namespaces/cluster/shop.json"));
});

test("a name that would not read back as the same item is refused", async () => {
  const { sink } = collector();
  const writer = new BackupArchiveWriter(sink);
  await assert.rejects(writer.addItem({ ...deployment, name: "../../etc" }), /name "..\/..\/etc"/);
  await assert.rejects(writer.addItem({ ...deployment, namespace: ".." }), /namespace ".."/);
  await writer.finish();
  await assert.rejects(writer.addItem(deployment), /after finish/);
});

test("a failing destination fails addItem or finish instead of hanging", async () => {
  const broken = new Writable({
    write(_chunk, _encoding, done) {
      done(new Error("disk full"));
    },
  });
  const writer = new BackupArchiveWriter(broken);
  const filler = { ...deployment, object: { data: "x".repeat(100_000) } };
  await assert.rejects(async () => {
    for (let i = 0; i < 100; i++) await writer.addItem({ ...filler, name: `item-${i}` });
    await writer.finish();
  }, /disk full/);
});

test("memory stays flat while 20,000 items stream to a slow destination", async () => {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  let written = 0;
  // Takes each chunk on a later turn of the event loop, so an archive writer that ignored
  // backpressure would pile up every item in memory.
  const slowSink = new Writable({
    highWaterMark: 16 * 1024,
    write(chunk: Buffer, _encoding, done) {
      written += chunk.length;
      setImmediate(done);
    },
  });
  const writer = new BackupArchiveWriter(slowSink);
  // ~4 KiB per item, written twice: 20,000 items are ~160 MB of tar entries.
  const item = (i: number): ArchiveItem => ({
    ...deployment,
    name: `web-${i}`,
    object: { data: "x".repeat(4000) },
  });
  // Buffers live outside the JS heap, so count both.
  const used = (): number => {
    gc();
    const { heapUsed, external } = process.memoryUsage();
    return heapUsed + external;
  };
  for (let i = 0; i < 1000; i++) await writer.addItem(item(i));
  const baseline = used();
  for (let i = 1000; i < 20_000; i++) await writer.addItem(item(i));
  const growth = used() - baseline;
  await writer.finish();
  assert.equal(writer.itemCount, 20_000);
  assert.ok(written > 0);
  assert.ok(growth < 50 * 1024 * 1024, `heap grew by ${(growth / 1024 / 1024).toFixed(1)} MB`);
});
