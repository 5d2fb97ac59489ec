import assert from "node:assert/strict";
import { test } from "node:test";
import {
  parseRestoreProgress,
  parseSize,
  parseUploadProgress,
} from "../../src/volumes/kopia/kopia-progress.js";

test("kopia's sizes are decimal units", () => {
  assert.deepEqual(
    ["0 B", "65.5 KB", "13.7 MB", "2 GB"].map(parseSize),
    [0, 65_500, 13_700_000, 2_000_000_000],
  );
});

test("an upload line before kopia's estimate gives bytes hashed and cached, and no total", () => {
  assert.deepEqual(
    parseUploadProgress(" / 1 hashing, 0 hashed (13.7 MB), 2 cached (1 MB), uploaded 194 B, estimating..."),
    { bytesDone: 14_700_000, hashedBytes: 13_700_000 },
  );
});

test("an upload line with an estimate gives the total", () => {
  assert.deepEqual(
    parseUploadProgress(
      " | 1 hashing, 3 hashed (20 MB), 0 cached (0 B), uploaded 9 MB, estimated 60 MB (33.3%) 1s left",
    ),
    { bytesDone: 20_000_000, hashedBytes: 20_000_000, totalBytes: 60_000_000 },
  );
});

test("an estimate below what is already read is raised to it", () => {
  assert.equal(
    parseUploadProgress(
      " * 0 hashing, 1 hashed (61 MB), 0 cached (0 B), uploaded 61 MB, estimated 60 MB (100%)",
    )?.totalBytes,
    61_000_000,
  );
});

test("other lines of kopia's output are no progress", () => {
  assert.equal(parseUploadProgress("Snapshotting default@default:/tmp/data ..."), undefined);
  assert.equal(
    parseRestoreProgress("Restored 1 files, 1 directories and 0 symbolic links (60 MB)."),
    undefined,
  );
});

test("a restore line gives the bytes written so far", () => {
  assert.equal(parseRestoreProgress("Processed 1 (44 MB) of 3 (60 MB)."), 44_000_000);
});
