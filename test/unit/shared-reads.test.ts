import assert from "node:assert/strict";
import { test } from "node:test";
import { SharedReads } from "../../src/kube/shared-reads.js";

test("reads of one key asked for while one is in flight share its request; a later read makes its own", async () => {
  const reads = new SharedReads();
  let requests = 0;
  const fetch = () => Promise.resolve(`answer ${++requests}`);
  const together = await Promise.all([reads.read("vs/ns1", fetch), reads.read("vs/ns1", fetch)]);
  const other = await reads.read("vs/ns2", fetch);
  const later = await reads.read("vs/ns1", fetch);
  assert.deepEqual([...together, other, later], ["answer 1", "answer 1", "answer 2", "answer 3"]);
});
