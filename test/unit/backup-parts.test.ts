import { BackupVolumeRecords } from "../../src/volumes/backup-volume-records.js";
import assert from "node:assert/strict";
import { test } from "node:test";
import { formatDuration, parseDuration } from "../../src/api/duration.js";
import { mergeConcurrently } from "../../src/concurrency/merge.js";
import { NO_VOLUME_DATA_REASON, VolumeInfoCollector } from "../../src/backup/volume-info.js";
import { Results } from "../../src/results/results.js";

test("Go durations parse and print as Velero writes them", () => {
  assert.equal(parseDuration("720h0m0s"), 720 * 3_600_000);
  assert.equal(parseDuration("1h30m"), 90 * 60_000);
  assert.equal(parseDuration("1.5s"), 1500);
  assert.equal(parseDuration("0"), 0);
  assert.throws(() => parseDuration("ten days"), /invalid duration "ten days": use Go's format/);
  assert.throws(() => parseDuration("5"), /invalid duration/);
  assert.equal(formatDuration(720 * 3_600_000), "720h0m0s");
  assert.equal(formatDuration(90_000), "1m30s");
});

test("merging runs sources concurrently, yields everything, and never more than the limit at once", async () => {
  let running = 0;
  let peak = 0;
  const source = (id: number, n: number) =>
    async function* () {
      running++;
      peak = Math.max(peak, running);
      try {
        for (let i = 0; i < n; i++) {
          await new Promise((r) => setTimeout(r, 1));
          yield `${id}:${i}`;
        }
      } finally {
        running--;
      }
    };
  const seen: string[] = [];
  for await (const v of mergeConcurrently([source(1, 3), source(2, 2), source(3, 4), source(4, 1)], 2))
    seen.push(v);
  assert.equal(seen.length, 10);
  assert.deepEqual(
    seen.filter((v) => v.startsWith("3:")),
    ["3:0", "3:1", "3:2", "3:3"],
    "each source in order",
  );
  assert.equal(peak, 2);
  assert.equal(running, 0);
});

test("a failing source ends the merge with its error and stops the others", async () => {
  let stopped = 0;
  const slow = async function* () {
    try {
      for (;;) {
        await new Promise((r) => setTimeout(r, 5));
        yield 1;
      }
    } finally {
      stopped++;
    }
  };
  const failing = async function* () {
    await new Promise((r) => setTimeout(r, 12));
    yield 2;
    throw new Error("list failed");
  };
  await assert.rejects(async () => {
    for await (const _ of mergeConcurrently([slow, failing], 2)) void _;
  }, /list failed/);
  assert.equal(stopped, 1);
});

test("volume info pairs each claim with its PV; a PV without its claim stands alone", () => {
  const collector = new VolumeInfoCollector();
  collector.add({
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: "data", namespace: "shop" },
    spec: { volumeName: "pv-1" },
  } as never);
  collector.add({
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name: "pv-1" },
    spec: { persistentVolumeReclaimPolicy: "Delete" },
  } as never);
  collector.add({
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name: "pv-2" },
    spec: { claimRef: { name: "old", namespace: "gone" } },
  } as never);
  collector.add({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" } });
  assert.deepEqual(
    collector
      .entries(new BackupVolumeRecords())
      .map((e) => [e.pvcNamespace, e.pvcName, e.pvName, e.skipped, e.skippedReason, e.pvInfo?.reclaimPolicy]),
    [
      ["shop", "data", "pv-1", true, NO_VOLUME_DATA_REASON, "Delete"],
      ["gone", "old", "pv-2", true, NO_VOLUME_DATA_REASON, ""],
    ],
  );
});

test("results sort messages into Velero's buckets and count them", () => {
  const results = new Results();
  results.error({ namespace: "shop" }, "e1");
  results.error("cluster", "e2");
  results.warning("velero", "w1");
  assert.equal(results.errorCount, 2);
  assert.equal(results.warningCount, 1);
  assert.deepEqual(results.file, {
    errors: { cluster: ["e2"], namespaces: { shop: ["e1"] } },
    warnings: { velero: ["w1"] },
  });
});
