import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { labelValue } from "../../src/filters/label-value.js";

test("a value of up to 63 characters is kept as it is", () => {
  assert.equal(labelValue("nightly"), "nightly");
  const exactly63 = "b".repeat(63);
  assert.equal(labelValue(exactly63), exactly63);
});

test("a longer value becomes its first 57 characters and 6 hex characters of its sha256", () => {
  const long = `backup-${"x".repeat(50)}-of-the-production-cluster`;
  const expected = long.slice(0, 57) + createHash("sha256").update(long).digest("hex").slice(0, 6);
  assert.equal(labelValue(long), expected);
  assert.equal(labelValue(long).length, 63);

  const exactly64 = "a".repeat(64);
  const hash = createHash("sha256").update(exactly64).digest("hex");
  assert.equal(labelValue(exactly64), "a".repeat(57) + hash.slice(0, 6));
});

test("two long values that share their first 57 characters get different labels", () => {
  const prefix = "p".repeat(60);
  assert.notEqual(labelValue(`${prefix}-one`), labelValue(`${prefix}-two`));
});
