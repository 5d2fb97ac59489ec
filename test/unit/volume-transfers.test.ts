import assert from "node:assert/strict";
import { test } from "node:test";
import { transferLines, transfersSummary, type VolumeTransfer } from "../../src/cli/volume-transfers.js";

const MiB = 2 ** 20;
const transfers: VolumeTransfer[] = [
  {
    volume: "claim shop/data",
    by: "DataUpload nightly-7fq2d",
    phase: "InProgress",
    bytesDone: 40 * MiB,
    totalBytes: 100 * MiB,
    node: "node-1",
  },
  {
    volume: "pod shop/db-0 volume logs",
    by: "PodVolumeBackup nightly-x8k2p",
    phase: "Completed",
    bytesDone: 20 * MiB,
    totalBytes: 20 * MiB,
    node: "node-2",
  },
  { volume: "claim shop/cache", by: "DataUpload nightly-q9w3e", phase: "New", bytesDone: 0, totalBytes: 0 },
];

test("--wait sums the bytes of every volume a backup moves and counts those done", () => {
  assert.equal(transfersSummary(transfers), "volume data 60.0 MiB of 120.0 MiB (1 of 3 done)");
});

test("--wait adds nothing while no volume data moves", () => {
  assert.equal(transfersSummary([]), undefined);
});

test("describe of a running backup has a line per moving volume: what moves it, its phase, bytes and node", () => {
  assert.deepEqual(transferLines(transfers), [
    "Volume Data Moving:",
    "  claim shop/data: DataUpload nightly-7fq2d InProgress, 40.0 MiB of 100.0 MiB on node node-1",
    "  pod shop/db-0 volume logs: PodVolumeBackup nightly-x8k2p Completed, 20.0 MiB of 20.0 MiB on node node-2",
    "  claim shop/cache: DataUpload nightly-q9w3e New, 0.0 MiB of 0.0 MiB",
  ]);
});
