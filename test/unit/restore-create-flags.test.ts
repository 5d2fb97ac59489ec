import assert from "node:assert/strict";
import { test } from "node:test";
import type { Restore } from "../../src/api/v1/index.js";
import { runCliWithoutCluster as cli } from "../cli.js";

async function restoreSpec(flags: string[]): Promise<Restore["spec"]> {
  const { code, stdout, stderr } = await cli([
    "restore",
    "create",
    "r1",
    "--from-backup",
    "b1",
    ...flags,
    "-o",
    "json",
  ]);
  assert.equal(code, 0, stderr);
  return (JSON.parse(stdout) as Restore).spec;
}

test("--restore-volumes sets Velero's spec.restorePVs: alone true, =false false, absent unset", async () => {
  assert.equal((await restoreSpec(["--restore-volumes=false"])).restorePVs, false);
  assert.equal((await restoreSpec(["--restore-volumes"])).restorePVs, true);
  assert.equal((await restoreSpec([])).restorePVs, undefined);
});

test("--item-operation-timeout sets spec.itemOperationTimeout as written", async () => {
  assert.equal((await restoreSpec(["--item-operation-timeout", "90m"])).itemOperationTimeout, "90m");
});

test("a bad --item-operation-timeout is refused before anything is sent, naming the flag", async () => {
  const args = ["restore", "create", "r1", "--from-backup", "b1", "--item-operation-timeout", "soon"];
  const { code, stderr } = await cli(args);
  assert.equal(code, 1);
  assert.match(stderr, /--item-operation-timeout: invalid duration "soon"/);
});
