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
