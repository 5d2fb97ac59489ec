import assert from "node:assert/strict";
import { test } from "node:test";
import { waitForPhase, type Observed } from "../../src/cli/wait.js";

/** A stream that is not a terminal, keeping what is written to it. */
function lines(): { stream: NodeJS.WriteStream; written: string[] } {
  const written: string[] = [];
  const stream = { isTTY: false, write: (text: string) => written.push(text) > 0 };
  return { stream: stream as unknown as NodeJS.WriteStream, written };
}

test("without a terminal, progress is a line with a newline, and the total is never below what is done", async () => {
  const seen: Observed[] = [
    { phase: "InProgress", done: 3006, total: 2522 },
    { phase: "Completed", done: 3006, total: 3006 },
  ];
  const { stream, written } = lines();
  const phase = await waitForPhase("backup b1", ["Completed"], () => Promise.resolve(seen.shift()!), stream);
  assert.equal(phase, "Completed");
  assert.deepEqual(written, ["backup b1: InProgress, 3006 of 3006 items\n"]);
});
