import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import type { BackupStorageLocation } from "../../src/api/v1/index.js";
import { FilesystemObjectStore } from "../../src/storage/filesystem.js";
import { ensureKopia } from "../../src/volumes/kopia/kopia-build.js";
import { DEFAULT_REPOSITORY_PASSWORD, KopiaCli } from "../../src/volumes/kopia/kopia-cli.js";
import type { UploadProgress } from "../../src/volumes/kopia/kopia-progress.js";
import { openRepository } from "../../src/volumes/kopia/repository.js";
import { repositoryStorage } from "../../src/volumes/kopia/repository-storage.js";
import { bytesUnder, checksumsUnder } from "./support.js";

/** A filesystem backup storage location in `dir`, under prefix `velero`. */
const location = (dir: string): BackupStorageLocation => ({
  apiVersion: "velero.io/v1",
  kind: "BackupStorageLocation",
  metadata: { name: "default", namespace: "velero" },
  spec: {
    provider: "filesystem",
    objectStorage: { bucket: "local", prefix: "velero" },
    config: { path: dir },
  },
});

/** A volume's worth of known files: nested directories, an empty file, and 3 MiB that do not compress. */
async function writeVolume(dir: string): Promise<void> {
  await fs.mkdir(path.join(dir, "logs", "2026"), { recursive: true });
  await fs.writeFile(path.join(dir, "state.txt"), "at backup time\n");
  await fs.writeFile(path.join(dir, "empty"), "");
  await fs.writeFile(path.join(dir, "logs", "2026", "app.log"), "line\n".repeat(10_000));
  await fs.writeFile(path.join(dir, "blob.bin"), randomBytes(3 * 2 ** 20));
}

async function tempDir(t: { after: (fn: () => Promise<void>) => void }, name: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), `velero-ts-${name}-`));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A repository for namespace app, opened by a first agent (working in `<root>/a`) in a location at `<root>/storage`. */
async function repositoryIn(root: string) {
  const storageDir = path.join(root, "storage");
  const binary = await ensureKopia();
  const storage = repositoryStorage(location(storageDir), "app");
  const store = new FilesystemObjectStore(storageDir);
  await openRepository(
    new KopiaCli(binary, path.join(root, "a"), DEFAULT_REPOSITORY_PASSWORD),
    storage,
    store,
  );
  return { storageDir, binary, storage, store };
}

test("a volume's files go through kopia into a filesystem repository under Velero's source name and come back with the same checksums", async (t) => {
  const root = await tempDir(t, "kopia");
  const volume = path.join(root, "volume");
  await writeVolume(volume);
  const kopia = new KopiaCli(await ensureKopia(), path.join(root, "agent"), DEFAULT_REPOSITORY_PASSWORD);
  const storageDir = path.join(root, "storage");
  const storage = repositoryStorage(location(storageDir), "app");
  assert.equal(await openRepository(kopia, storage, new FilesystemObjectStore(storageDir)), "created");

  const seen: UploadProgress[] = [];
  const snapshot = await kopia.snapshot(volume, "default@default:/app/web-0/data", { backup: "b1" }, (p) =>
    seen.push(p),
  );
  assert.deepEqual(snapshot.source, { host: "default", userName: "default", path: "/app/web-0/data" });
  const size = await bytesUnder(volume);
  // kopia prints three significant digits: the last progress line is within 1% of the volume's size.
  const last = seen.at(-1)!;
  assert.ok(Math.abs(last.bytesDone - size) < size / 100, `last progress ${last.bytesDone} of ${size} bytes`);
  const target = path.join(root, "restored");
  await kopia.restore(snapshot.id, target);
  assert.deepEqual(await checksumsUnder(target), await checksumsUnder(volume));
});

test("a repository opened for Velero is at <prefix>/kopia/<namespace>/ and carries Velero's identity blob with kopia's unique ID", async (t) => {
  const root = await tempDir(t, "kopia-layout");
  const { storageDir, binary, storage, store } = await repositoryIn(root);
  const repoDir = path.join(storageDir, "velero", "kopia", "app");
  const format = JSON.parse(await fs.readFile(path.join(repoDir, "kopia.repository.f"), "utf8")) as {
    uniqueID: string;
  };
  const identity = JSON.parse(
    await fs.readFile(path.join(repoDir, "udmrepo.Repository.f"), "utf8"),
  ) as unknown;
  assert.deepEqual(identity, { uniqueID: format.uniqueID });
  // A second agent connects to it rather than creating another.
  assert.equal(
    await openRepository(
      new KopiaCli(binary, path.join(root, "b"), DEFAULT_REPOSITORY_PASSWORD),
      storage,
      store,
    ),
    "connected",
  );
});

test("a second snapshot of unchanged files adds almost nothing to the repository", async (t) => {
  const root = await tempDir(t, "kopia-again");
  const volume = path.join(root, "volume");
  const repo = path.join(root, "repo");
  await writeVolume(volume);
  const kopia = new KopiaCli(await ensureKopia(), path.join(root, "agent"), DEFAULT_REPOSITORY_PASSWORD);
  await openRepository(kopia, repositoryStorage(location(repo), "app"), new FilesystemObjectStore(repo));
  const source = "default@default:/app/web-0/data";
  const empty = await bytesUnder(repo);
  const first = await kopia.snapshot(volume, source);
  const afterFirst = await bytesUnder(repo);
  const second = await kopia.snapshot(volume, source);
  const added = { first: afterFirst - empty, second: (await bytesUnder(repo)) - afterFirst };
  assert.equal(first.rootEntry?.summ?.files, 4);
  assert.ok(added.first > 3 * 2 ** 20, `the first snapshot added ${added.first} bytes`);
  assert.ok(added.second < 64 * 1024, `the second snapshot added ${added.second} bytes`);
  // What kopia reports agrees: the first read every file anew, the second none.
  assert.ok(first.hashedBytes > 3 * 2 ** 20, `the first snapshot read ${first.hashedBytes} bytes anew`);
  assert.equal(second.hashedBytes, 0);
});

test("a repository opened with another password is refused, and kopia says why", async (t) => {
  const root = await tempDir(t, "kopia-password");
  const { binary, storage, store } = await repositoryIn(root);
  await assert.rejects(
    openRepository(new KopiaCli(binary, path.join(root, "b"), "not-the-password"), storage, store),
    /kopia repository connect exited with 1:.*invalid repository password/s,
  );
});
