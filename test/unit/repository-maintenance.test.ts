import assert from "node:assert/strict";
import { test } from "node:test";
import type { BackupRepository } from "../../src/api/v1/index.js";
import { maintenanceDue } from "../../src/volumes/repository-maintenance.js";

const NOW = Date.parse("2026-12-03T12:00:00Z");

function repository(status: BackupRepository["status"], maintenanceFrequency = "1h0m0s"): BackupRepository {
  return {
    apiVersion: "velero.io/v1",
    kind: "BackupRepository",
    metadata: { name: "app-default-kopia-x1" },
    spec: {
      volumeNamespace: "app",
      backupStorageLocation: "default",
      resticIdentifier: "",
      maintenanceFrequency,
    },
    status,
  };
}

test("a Ready repository maintained more than its frequency ago is due", () => {
  assert.equal(
    maintenanceDue(repository({ phase: "Ready", lastMaintenanceTime: "2026-12-03T10:59:59Z" }), NOW),
    true,
  );
});

test("a Ready repository maintained within its frequency is not due", () => {
  assert.equal(
    maintenanceDue(repository({ phase: "Ready", lastMaintenanceTime: "2026-12-03T11:30:00Z" }), NOW),
    false,
  );
});

test("a Ready repository never maintained is due", () => {
  assert.equal(maintenanceDue(repository({ phase: "Ready" }), NOW), true);
});

test("a repository that is not Ready is never due: kopia cannot open it", () => {
  assert.equal(maintenanceDue(repository({ phase: "NotReady" }), NOW), false);
});

test("a frequency that is not a duration means no schedule", () => {
  assert.equal(
    maintenanceDue(repository({ phase: "Ready", lastMaintenanceTime: "2026-12-01T00:00:00Z" }, "daily"), NOW),
    false,
  );
});
