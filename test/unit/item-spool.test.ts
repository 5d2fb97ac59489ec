import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { ItemSpool } from "../../src/restore/item-spool.js";

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

test("items appended concurrently, across the spool's 1 MiB flushes, each read back as appended", async () => {
  const spool = await ItemSpool.create();
  try {
    // 300 KiB bodies fill the write buffer every few appends; 2 MiB ones bypass it.
    const bodies = Array.from({ length: 24 }, (_, i) =>
      Buffer.alloc(i % 7 === 6 ? 2 * 2 ** 20 : 300 * 1024 + i, String.fromCharCode(65 + i)),
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
