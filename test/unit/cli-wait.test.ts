import assert from "node:assert/strict";
import { test } from "node:test";
import { buildProgressBar } from "../../src/cli/progress.js";
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

test("without a terminal, each progress step is its own line, and a step seen again is not repeated", async () => {
  const seen: Observed[] = [
    { phase: "InProgress", done: 0, total: 10 },
    { phase: "InProgress", done: 4, total: 10 },
    { phase: "InProgress", done: 4, total: 10 },
    { phase: "InProgress", done: 10, total: 10 },
    { phase: "Completed", done: 10, total: 10 },
  ];
  const { stream, written } = lines();
  await waitForPhase("restore r1", ["Completed"], () => Promise.resolve(seen.shift()!), stream);
  assert.deepEqual(written, [
    "restore r1: InProgress, 0 of 10 items\n",
    "restore r1: InProgress, 4 of 10 items\n",
    "restore r1: InProgress, 10 of 10 items\n",
  ]);
});

test("the control plane build's progress without a terminal is one line per package compiled", () => {
  const { stream, written } = lines();
  const progress = buildProgressBar("building", stream);
  progress.start(3);
  progress.update(1, "k8s.io/a");
  progress.update(2, "k8s.io/b");
  progress.update(4, "k8s.io/c");
  progress.stop();
  assert.deepEqual(written, [
    "building: 3 packages to compile or take from Go's build cache\n",
    "building: 1/3 packages compiled  k8s.io/a\n",
    "building: 2/3 packages compiled  k8s.io/b\n",
    "building: 3/3 packages compiled  k8s.io/c\n",
    "building: done (3 packages compiled)\n",
  ]);
});
