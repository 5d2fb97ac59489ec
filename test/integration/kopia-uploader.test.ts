import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { ensureKopia } from "../../src/volumes/kopia/kopia-build.js";
import { DEFAULT_REPOSITORY_PASSWORD, KopiaCli } from "../../src/volumes/kopia/kopia-cli.js";

/** A volume's worth of known files: nested directories, an empty file, and 3 MiB that do not compress. */
async function writeVolume(dir: string): Promise<void> {
  await fs.mkdir(path.join(dir, "logs", "2026"), { recursive: true });
  await fs.writeFile(path.join(dir, "state.txt"), "at backup time\n");
  await fs.writeFile(path.join(dir, "empty"), "");
  await fs.writeFile(path.join(dir, "logs", "2026", "app.log"), "line\n".repeat(10_000));
  await fs.writeFile(path.join(dir, "blob.bin"), randomBytes(3 * 2 ** 20));
}

/** Every file under `dir`, relative path to sha256. */
async function checksums(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    out[path.relative(dir, file)] = createHash("sha256")
      .update(await fs.readFile(file))
      .digest("hex");
  }
  return out;
}

async function tempDir(t: { after: (fn: () => Promise<void>) => void }, name: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), `velero-ts-${name}-`));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

test("a volume's files go through kopia into a filesystem repository under Velero's source name and come back with the same checksums", async (t) => {
  const root = await tempDir(t, "kopia");
  const volume = path.join(root, "volume");
  await writeVolume(volume);
  const kopia = new KopiaCli(await ensureKopia(), path.join(root, "agent"), DEFAULT_REPOSITORY_PASSWORD);
  await kopia.createFilesystemRepository(path.join(root, "repo"));

  const snapshot = await kopia.snapshot(volume, "default@default:/app/web-0/data", { backup: "b1" });
  assert.deepEqual(snapshot.source, { host: "default", userName: "default", path: "/app/web-0/data" });
  const target = path.join(root, "restored");
  await kopia.restore(snapshot.id, target);
  assert.deepEqual(await checksums(target), await checksums(volume));
});

/** Bytes of every file under `dir`. */
async function bytesUnder(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await fs.readdir(dir, { recursive: true, withFileTypes: true }))
    if (entry.isFile()) total += (await fs.stat(path.join(entry.parentPath, entry.name))).size;
  return total;
}

test("a second snapshot of unchanged files adds almost nothing to the repository", async (t) => {
  const root = await tempDir(t, "kopia-again");
  const volume = path.join(root, "volume");
  const repo = path.join(root, "repo");
  await writeVolume(volume);
  const kopia = new KopiaCli(await ensureKopia(), path.join(root, "agent"), DEFAULT_REPOSITORY_PASSWORD);
  await kopia.createFilesystemRepository(repo);
  const source = "default@default:/app/web-0/data";
  const empty = await bytesUnder(repo);
  const first = await kopia.snapshot(volume, source);
  const afterFirst = await bytesUnder(repo);
  await kopia.snapshot(volume, source);
  const added = { first: afterFirst - empty, second: (await bytesUnder(repo)) - afterFirst };
  assert.equal(first.rootEntry?.summ?.files, 4);
  assert.ok(added.first > 3 * 2 ** 20, `the first snapshot added ${added.first} bytes`);
  assert.ok(added.second < 64 * 1024, `the second snapshot added ${added.second} bytes`);
});

test("a repository opened with another password is refused, and kopia says why", async (t) => {
  const root = await tempDir(t, "kopia-password");
  const repo = path.join(root, "repo");
  const binary = await ensureKopia();
  await new KopiaCli(binary, path.join(root, "a"), DEFAULT_REPOSITORY_PASSWORD).createFilesystemRepository(
    repo,
  );
  await assert.rejects(
    new KopiaCli(binary, path.join(root, "b"), "not-the-password").connectFilesystemRepository(repo),
    /kopia repository connect exited with 1: .*invalid repository password/s,
  );
});
