import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { ItemSpool } from "../../src/restore/item-spool.js";

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

test("items appended concurrently, across the spool's 1 MiB flushes and past what it holds in memory, each read back as appended", async () => {
  const spool = await ItemSpool.create();
  try {
    // 300 KiB bodies fill the write buffer every few appends; 2 MiB ones bypass it. About 30 MiB
    // in all: the first 16 MiB are read from memory, the rest from the spool's file.
    const bodies = Array.from({ length: 60 }, (_, i) =>
      Buffer.alloc(i % 7 === 6 ? 2 * 2 ** 20 : 300 * 1024 + i, String.fromCharCode(65 + (i % 26))),
    );
    const refs = await Promise.all(bodies.map((b) => spool.append(b)));
    for (const [i, ref] of refs.entries()) {
      const back = await spool.read(ref);
      assert.equal(sha256(back), sha256(bodies[i]!), `item ${i}`);
    }
  } finally {
    await spool.remove();
  }
});

test("an item still in the write buffer is read back before anything is flushed", async () => {
  const spool = await ItemSpool.create();
  try {
    const first = await spool.append(Buffer.from('{"kind":"ConfigMap"}'));
    const second = await spool.append(Buffer.from('{"kind":"Secret"}'));
    assert.equal((await spool.read(second)).toString(), '{"kind":"Secret"}');
    assert.equal((await spool.read(first)).toString(), '{"kind":"ConfigMap"}');
  } finally {
    await spool.remove();
  }
});
