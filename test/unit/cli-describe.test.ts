import assert from "node:assert/strict";
import { test } from "node:test";
import type { Backup, Restore } from "../../src/api/v1/index.js";
import { describeBackupJson } from "../../src/cli/backup/describe-json.js";
import { describeBackup } from "../../src/cli/backup/describe.js";
import { describeRestore } from "../../src/cli/restore/describe.js";
import { withLabelsColumn } from "../../src/cli/select.js";

function backup(status: Backup["status"], spec: Partial<Backup["spec"]> = {}): Backup {
  return {
    apiVersion: "velero.io/v1",
    kind: "Backup",
    metadata: { name: "b1", namespace: "velero" },
    spec: { storageLocation: "default", ...spec },
    status,
  };
}

test("backup describe has Velero's Backup Format Version, CSISnapshotTimeout and ItemOperationTimeout lines", () => {
  const lines = describeBackup(
    backup(
      { phase: "Completed", formatVersion: "1.1.0" },
      { csiSnapshotTimeout: "10m0s", itemOperationTimeout: "4h0m0s" },
    ),
  );
  assert.ok(lines.includes("Backup Format Version:  1.1.0"));
  assert.ok(lines.includes("CSISnapshotTimeout:    10m0s"));
  assert.ok(lines.includes("ItemOperationTimeout:  4h0m0s"));
  assert.ok(lines.includes("Phase:  Completed"));
});

test("a failed backup's Phase line points to its logs, with our binary's name", () => {
  assert.ok(
    describeBackup(backup({ phase: "Failed" })).includes(
      "Phase:  Failed (run `velero-ts backup logs b1` for more information)",
    ),
  );
});

test("a FailedValidation backup is described from its object alone: its validation errors", () => {
  const lines = describeBackup(
    backup({
      phase: "FailedValidation",
      validationErrors: ['backup storage location "gone" does not exist'],
    }),
  );
  assert.ok(lines.includes("Phase:  FailedValidation"));
  assert.deepEqual(
    lines.slice(lines.indexOf("Validation errors:"), lines.indexOf("Validation errors:") + 2),
    ["Validation errors:", '  backup storage location "gone" does not exist'],
  );
});

test("backup describe -o json has the keys of Velero's structured describer", () => {
  const json = JSON.parse(
    describeBackupJson(
      backup({ phase: "Completed", formatVersion: "1.1.0" }, { csiSnapshotTimeout: "10m0s" }),
    ),
  ) as Record<string, Record<string, unknown>>;
  assert.equal(json.phase, "Completed");
  assert.deepEqual(json.metadata!.name, "b1");
  assert.equal(json.spec!.CSISnapshotTimeout, "10m0s");
  assert.equal(json.spec!.storageLocation, "default");
  assert.deepEqual(json.spec!.namespaces, { included: "*", excluded: "<none>" });
  assert.equal(json.status!.backupFormatVersion, "1.1.0");
});

test("restore describe shows the existing resource policy and its per-resource overrides", () => {
  const restore: Restore = {
    apiVersion: "velero.io/v1",
    kind: "Restore",
    metadata: { name: "r1", namespace: "velero" },
    spec: {
      backupName: "b1",
      existingResourcePolicy: "update",
      existingResourcePolicyOverrides: { none: { includedResources: ["secrets", "configmaps"] } },
    },
  };
  const lines = describeRestore(restore);
  const at = lines.indexOf("Existing Resource Policy:   update");
  assert.ok(at >= 0, lines.join("\n"));
  assert.deepEqual(lines.slice(at + 1, at + 3), [
    "Existing Resource Policy Overrides:",
    "  none:  secrets, configmaps",
  ]);
});

test("--show-labels adds kubectl's LABELS column, sorted k=v pairs or <none>", () => {
  const [headers, rows] = withLabelsColumn(
    ["NAME"],
    [["b1"], ["b2"]],
    [{ metadata: { labels: { z: "1", a: "2" } } }, { metadata: {} }],
    true,
  );
  assert.deepEqual(headers, ["NAME", "LABELS"]);
  assert.deepEqual(rows, [
    ["b1", "a=2,z=1"],
    ["b2", "<none>"],
  ]);
});
