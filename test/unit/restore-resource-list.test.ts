import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import { test } from "node:test";
import { gunzipSync } from "node:zlib";
import { ResourceListFile } from "../../src/restore/resource-list.js";

test("the resource list groups items by kind, each kind's items sorted, as Velero's file does", async () => {
  const list = await ResourceListFile.create();
  try {
    for (let i = 0; i < 2500; i++) list.add("v1/ConfigMap", `ns/c${i}(created)`);
    list.add("apps/v1/Deployment", 'ns/"odd"(skipped)');
    list.add("v1/Namespace", "ns(created)");
    const parsed = JSON.parse(gunzipSync(await fs.readFile(await list.gzippedFile())).toString()) as Record<
      string,
      string[]
    >;
    assert.deepEqual(Object.keys(parsed), ["apps/v1/Deployment", "v1/ConfigMap", "v1/Namespace"]);
    assert.equal(parsed["v1/ConfigMap"]!.length, 2500);
    assert.equal(parsed["v1/ConfigMap"]![0], "ns/c0(created)");
    assert.equal(parsed["v1/ConfigMap"]![1], "ns/c1(created)");
    assert.equal(parsed["v1/ConfigMap"]![2], "ns/c10(created)");
    assert.equal(parsed["v1/ConfigMap"]![2499], "ns/c999(created)");
    assert.deepEqual(parsed["apps/v1/Deployment"], ['ns/"odd"(skipped)']);
  } finally {
    await list.remove();
  }
});

test("an empty resource list is an empty object", async () => {
  const list = await ResourceListFile.create();
  try {
    assert.deepEqual(JSON.parse(gunzipSync(await fs.readFile(await list.gzippedFile())).toString()), {});
  } finally {
    await list.remove();
  }
});
