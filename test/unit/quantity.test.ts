import assert from "node:assert/strict";
import { test } from "node:test";
import { bytesToQuantity, quantityToBytes } from "../../src/api/quantity.js";

test("quantities convert to bytes with binary and decimal suffixes", () => {
  assert.equal(quantityToBytes("1Gi"), 1073741824);
  assert.equal(quantityToBytes("500M"), 500_000_000);
  assert.equal(quantityToBytes("1.5Ki"), 1536);
  assert.equal(quantityToBytes("42"), 42);
  assert.equal(quantityToBytes(undefined), 0);
});

test("an invalid quantity is refused with its value in the message", () => {
  assert.throws(() => quantityToBytes("ten gigs"), /invalid quantity "ten gigs"/);
  assert.throws(() => quantityToBytes("1Xi"), /invalid quantity/);
});

test("bytes print in the largest binary unit that divides them", () => {
  assert.equal(bytesToQuantity(1073741824), "1Gi");
  assert.equal(bytesToQuantity(3 * 1024 * 1024), "3Mi");
  assert.equal(bytesToQuantity(1000), "1000");
  assert.equal(bytesToQuantity(0), "0");
});
