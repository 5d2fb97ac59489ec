import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { ItemSpool, type SpoolRef } from "../../src/restore/item-spool.js";

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** Appends the bodies at once into a new spool, checks `after` of it, then reads each back. */
async function appendAndReadBack(
  memoryBytes: number,
  bodies: Buffer[],
  after: (spool: ItemSpool, refs: SpoolRef[]) => void = () => undefined,
): Promise<void> {
  const spool = await ItemSpool.create({ memoryBytes });
  try {
    const refs = await Promise.all(bodies.map((b) => spool.append(b)));
    after(spool, refs);
    for (const [i, ref] of refs.entries()) {
      assert.equal(sha256(await spool.read(ref)), sha256(bodies[i]!), `item ${i}`);
    }
  } finally {
    await spool.remove();
  }
}

test("items appended concurrently, across the spool file's 1 MiB flushes, each read back as appended", async () => {
  // 300 KiB bodies fill the write buffer every few appends; 2 MiB ones bypass it.
  const bodies = Array.from({ length: 24 }, (_, i) =>
    Buffer.alloc(i % 7 === 6 ? 2 * 2 ** 20 : 300 * 1024 + i, String.fromCharCode(65 + i)),
  );
  await appendAndReadBack(0, bodies, (spool) => assert.equal(spool.fileBytes, spool.size));
});

test("a spool that fits in its memory writes no file, and reads each item back", async () => {
  const bodies = Array.from({ length: 100 }, (_, i) =>
    Buffer.alloc(2000 + i, String.fromCharCode(65 + (i % 26))),
  );
  await appendAndReadBack(1024 * 1024, bodies, (spool) => assert.equal(spool.fileBytes, 0));
});

test("a spool past its memory puts the rest in its file: items on both sides read back as appended", async () => {
  const bodies = Array.from({ length: 30 }, (_, i) =>
    Buffer.alloc(10 * 1024 + i, String.fromCharCode(65 + i)),
  );
  await appendAndReadBack(100 * 1024, bodies, (spool, refs) => {
    // Nine items fit in the first 100 KiB; the tenth and after go to the file.
    assert.equal(refs.filter((r) => r.offset + r.length <= 100 * 1024).length, 9);
    assert.equal(spool.fileBytes, spool.size - refs[9]!.offset);
  });
});
