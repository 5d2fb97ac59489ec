import assert from "node:assert/strict";
import { test } from "node:test";
import * as keys from "../../src/storage/keys.js";

test("backup keys follow Velero's object-store layout", () => {
  assert.equal(keys.backupDir("nightly"), "backups/nightly/");
  assert.equal(keys.backupMetadataKey("nightly"), "backups/nightly/velero-backup.json");
  assert.equal(keys.backupContentsKey("nightly"), "backups/nightly/nightly.tar.gz");
  assert.equal(keys.backupLogKey("nightly"), "backups/nightly/nightly-logs.gz");
  assert.equal(keys.backupResultsKey("nightly"), "backups/nightly/nightly-results.gz");
  assert.equal(keys.backupResourceListKey("nightly"), "backups/nightly/nightly-resource-list.json.gz");
  assert.equal(keys.backupVolumeSnapshotsKey("nightly"), "backups/nightly/nightly-volumesnapshots.json.gz");
  assert.equal(keys.backupPodVolumeBackupsKey("nightly"), "backups/nightly/nightly-podvolumebackups.json.gz");
  assert.equal(keys.backupItemOperationsKey("nightly"), "backups/nightly/nightly-itemoperations.json.gz");
  assert.equal(keys.backupVolumeInfoKey("nightly"), "backups/nightly/nightly-volumeinfo.json.gz");
  assert.equal(
    keys.backupCsiVolumeSnapshotsKey("nightly"),
    "backups/nightly/nightly-csi-volumesnapshots.json.gz",
  );
  assert.equal(
    keys.backupCsiVolumeSnapshotContentsKey("nightly"),
    "backups/nightly/nightly-csi-volumesnapshotcontents.json.gz",
  );
});

test("restore keys follow Velero's layout, volume info without the restore- prefix", () => {
  assert.equal(keys.restoreDir("r1"), "restores/r1/");
  assert.equal(keys.restoreLogKey("r1"), "restores/r1/restore-r1-logs.gz");
  assert.equal(keys.restoreResultsKey("r1"), "restores/r1/restore-r1-results.gz");
  assert.equal(keys.restoreResourceListKey("r1"), "restores/r1/restore-r1-resource-list.json.gz");
  assert.equal(keys.restoreItemOperationsKey("r1"), "restores/r1/restore-r1-itemoperations.json.gz");
  assert.equal(keys.restoreVolumeInfoKey("r1"), "restores/r1/r1-volumeinfo.json.gz");
});

test("the valid top-level directories are Velero's", () => {
  assert.deepEqual(
    [...keys.VALID_TOP_LEVEL_DIRS],
    ["backups", "restores", "restic", "kopia", "metadata", "plugins"],
  );
});

test("a name that would not be one path segment is refused", () => {
  for (const bad of ["", ".", "..", "a/b"]) {
    assert.throws(
      () => keys.backupMetadataKey(bad),
      new RegExp(`invalid backup name ${JSON.stringify(bad)}`),
    );
    assert.throws(() => keys.restoreLogKey(bad), /invalid restore name/);
  }
});
