import assert from "node:assert/strict";
import { test } from "node:test";
import type { V1Pod } from "@kubernetes/client-node";
import {
  restoreHelperContainer,
  restoreHelperOf,
  withRestoreHelper,
} from "../../src/volumes/restore-helper.js";

const helper = restoreHelperContainer("velero-ts:1", "uid-1", ["data", "cache"]);

test("the restore helper is Velero's: restore-wait, /velero-restore-helper with the restore's uid, each volume at /restores/<volume>", () => {
  assert.equal(helper.name, "restore-wait");
  assert.deepEqual(helper.command, ["/velero-restore-helper"]);
  assert.deepEqual(helper.args, ["uid-1"]);
  assert.deepEqual(helper.volumeMounts, [
    { name: "data", mountPath: "/restores/data" },
    { name: "cache", mountPath: "/restores/cache" },
  ]);
});

test("the helper goes first among the init containers, replacing an earlier restore-wait or restic-wait", () => {
  const pod: V1Pod = {
    spec: {
      containers: [{ name: "app" }],
      initContainers: [{ name: "restic-wait" }, { name: "migrate" }, { name: "restore-wait" }],
    },
  };
  assert.deepEqual(
    withRestoreHelper(pod, helper).spec?.initContainers?.map((c) => c.name),
    ["restore-wait", "migrate"],
  );
});

test("a restore helper is recognised with its restore and volumes; another init container is not", () => {
  assert.deepEqual(restoreHelperOf(helper), { restoreUid: "uid-1", volumes: ["data", "cache"] });
  assert.equal(restoreHelperOf({ name: "restore-wait", command: ["sh"] }), undefined);
});
