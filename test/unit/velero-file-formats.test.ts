// The files velero-ts writes, held against the forms Velero 1.18 writes (../shared/velero-facts.md,
// ../shared/volume-facts.md): what Velero's own code reads back from a velero-ts backup.
import { BackupVolumeRecords } from "../../src/volumes/backup-volume-records.js";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test, type TestContext } from "node:test";
import { gunzipSync } from "node:zlib";
import {
  backupAnnotations,
  VELERO_BACKUP_DEFAULTS,
  withBackupDefaults,
} from "../../src/api/backup-defaults.js";
import type { Backup } from "../../src/api/v1/index.js";
import { sortedLists } from "../../src/backup/backupper.js";
import { VolumeInfoCollector, type BackupVolumeInfo } from "../../src/backup/volume-info.js";
import { describeResults } from "../../src/cli/describe-text.js";
import { gzipJson } from "../../src/encoding/gzip-json.js";
import { Results } from "../../src/results/results.js";
import { ExistingPolicies } from "../../src/restore/existing-policy.js";
import { ResourceListFile } from "../../src/restore/resource-list.js";
import { BackupStore } from "../../src/storage/backup-store.js";
import { FilesystemObjectStore } from "../../src/storage/filesystem.js";

const VS = "volumesnapshots.snapshot.storage.k8s.io";
const VSC = "volumesnapshotcontents.snapshot.storage.k8s.io";

async function storeIn(t: TestContext): Promise<{ root: string; store: BackupStore }> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), "velero-ts-formats-"));
  t.after(() => fs.rm(root, { recursive: true, force: true }));
  return { root, store: new BackupStore(new FilesystemObjectStore(root)) };
}

const gunzipped = async (file: string) => gunzipSync(await fs.readFile(file)).toString("utf8");

test("a backup that sets nothing gets the defaults Velero's controller fills in", () => {
  assert.deepEqual(withBackupDefaults({ includedNamespaces: ["shop"] }), {
    includedNamespaces: ["shop"],
    metadata: {},
    hooks: {},
    volumeGroupSnapshotLabelKey: "velero.io/volume-group",
    csiSnapshotTimeout: "10m0s",
    itemOperationTimeout: "4h0m0s",
    defaultVolumesToFsBackup: false,
    snapshotMoveData: false,
    includedClusterScopedResources: undefined,
    excludedClusterScopedResources: [VSC],
    includedNamespaceScopedResources: undefined,
    excludedNamespaceScopedResources: [VS],
  });
});

test("what the user set stays as set", () => {
  const spec = withBackupDefaults({
    csiSnapshotTimeout: "5m",
    itemOperationTimeout: "1h",
    defaultVolumesToFsBackup: true,
    snapshotMoveData: true,
    volumeGroupSnapshotLabelKey: "team/group",
    metadata: { labels: { team: "blue" } },
  });
  assert.equal(spec.csiSnapshotTimeout, "5m");
  assert.equal(spec.itemOperationTimeout, "1h");
  assert.equal(spec.defaultVolumesToFsBackup, true);
  assert.equal(spec.snapshotMoveData, true);
  assert.equal(spec.volumeGroupSnapshotLabelKey, "team/group");
  assert.deepEqual(spec.metadata, { labels: { team: "blue" } });
});

test("a zero CSI snapshot timeout counts as unset, as in Velero", () => {
  assert.equal(withBackupDefaults({ csiSnapshotTimeout: "0s" }).csiSnapshotTimeout, "10m0s");
});

test("a backup with the older resource filters gets the snapshot resources in excludedResources", () => {
  const spec = withBackupDefaults({ includedResources: ["configmaps", VS], excludedResources: ["secrets"] });
  assert.deepEqual(spec.includedResources, ["configmaps"]);
  assert.deepEqual(spec.excludedResources, ["secrets", VS, VSC]);
  assert.equal(spec.excludedClusterScopedResources, undefined);
  assert.equal(spec.excludedNamespaceScopedResources, undefined);
});

test("the deprecated defaultVolumesToRestic: true carries over to defaultVolumesToFsBackup", () => {
  assert.equal(withBackupDefaults({ defaultVolumesToRestic: true }).defaultVolumesToFsBackup, true);
});

test("an accepted backup is annotated with the cluster's version and the resource timeout", () => {
  assert.deepEqual(backupAnnotations({ gitVersion: "v1.31.4", major: "1", minor: "31" }), {
    "velero.io/source-cluster-k8s-gitversion": "v1.31.4",
    "velero.io/source-cluster-k8s-major-version": "1",
    "velero.io/source-cluster-k8s-minor-version": "31",
    "velero.io/resource-timeout": "10m0s",
  });
});

test("a server started with --resource-timeout 30m records it on each backup it accepts", () => {
  const defaults = { ...VELERO_BACKUP_DEFAULTS, resourceTimeout: "30m" };
  const annotations = backupAnnotations({ gitVersion: "v1.31.4", major: "1", minor: "31" }, defaults);
  assert.equal(annotations["velero.io/resource-timeout"], "30m");
});

test("a server started with --default-item-operation-timeout 1h gives it to backups that say nothing", () => {
  const defaults = { ...VELERO_BACKUP_DEFAULTS, itemOperationTimeout: "1h" };
  assert.equal(withBackupDefaults({}, defaults).itemOperationTimeout, "1h");
  assert.equal(withBackupDefaults({ itemOperationTimeout: "2h" }, defaults).itemOperationTimeout, "2h");
});

test("a backup with no pod volume backups, native snapshots or item operations writes Velero's empty side files", async (t) => {
  const { root, store } = await storeIn(t);
  const metadata: Backup = { apiVersion: "velero.io/v1", kind: "Backup", metadata: { name: "b" }, spec: {} };
  await store.putBackup("b", {
    metadata,
    contents: Buffer.alloc(0),
    log: Buffer.alloc(0),
    results: await gzipJson(new Results().file),
    resourceList: await gzipJson({}),
    volumeInfo: await gzipJson([]),
    podVolumeBackups: null,
    volumeSnapshots: null,
    itemOperations: [],
  });
  const dir = path.join(root, "backups", "b");
  assert.equal(await gunzipped(path.join(dir, "b-podvolumebackups.json.gz")), "null\n");
  assert.equal(await gunzipped(path.join(dir, "b-volumesnapshots.json.gz")), "null\n");
  assert.equal(await gunzipped(path.join(dir, "b-itemoperations.json.gz")), "[]\n");
});

test("a restore's empty item operations and volume info are [] under Velero's keys", async (t) => {
  const { root, store } = await storeIn(t);
  await store.putRestoreItemOperations("r", []);
  await store.putRestoreVolumeInfo("r", await gzipJson([]));
  assert.equal(await gunzipped(path.join(root, "restores/r/restore-r-itemoperations.json.gz")), "[]\n");
  assert.equal(await gunzipped(path.join(root, "restores/r/r-volumeinfo.json.gz")), "[]\n");
});

test("results with nothing in them are {} for errors and warnings, as Velero's omitempty writes", async () => {
  const text = gunzipSync(await gzipJson(new Results().file)).toString();
  assert.equal(text, '{"errors":{},"warnings":{}}\n');
});

test("results leave out empty buckets, keep Velero's field order and sort namespaces", () => {
  const results = new Results();
  results.warning({ namespace: "shop" }, "w-shop");
  results.warning({ namespace: "bank" }, "w-bank");
  results.warning("velero", "w-velero");
  results.error("cluster", "e-cluster");
  assert.equal(
    JSON.stringify(results.file),
    '{"errors":{"cluster":["e-cluster"]},"warnings":{"velero":["w-velero"],"namespaces":{"bank":["w-bank"],"shop":["w-shop"]}}}',
  );
});

/** The volume info of a backup that took these PVs (name, reclaim policy, labels) and claims (name → PV). */
function volumeInfo(
  pvs: [string, string, Record<string, string>?][],
  claims: Record<string, string> = {},
): BackupVolumeInfo[] {
  const collector = new VolumeInfoCollector();
  for (const [name, volumeName] of Object.entries(claims)) {
    const claim = { metadata: { name, namespace: "shop" }, spec: { volumeName } };
    collector.add({ apiVersion: "v1", kind: "PersistentVolumeClaim", ...claim });
  }
  for (const [name, persistentVolumeReclaimPolicy, labels] of pvs) {
    const pv = { metadata: { name, labels }, spec: { persistentVolumeReclaimPolicy } };
    collector.add({ apiVersion: "v1", kind: "PersistentVolume", ...pv });
  }
  return collector.entries(new BackupVolumeRecords());
}

test("a volume info entry always carries snapshotDataMoved, preserveLocalSnapshot, skipped and pvInfo.labels", () => {
  const [entry] = JSON.parse(JSON.stringify(volumeInfo([["pv-1", "Retain"]], { data: "pv-1" }))) as Record<
    string,
    unknown
  >[];
  assert.deepEqual(Object.keys(entry ?? {}), [
    "pvcName",
    "pvcNamespace",
    "pvName",
    "snapshotDataMoved",
    "preserveLocalSnapshot",
    "skipped",
    "skippedReason",
    "pvInfo",
  ]);
  assert.equal(entry?.["preserveLocalSnapshot"], false);
  assert.deepEqual(entry?.["pvInfo"], { reclaimPolicy: "Retain", labels: null });
});

test("a volume info entry carries the PV's labels", () => {
  assert.deepEqual(volumeInfo([["pv-1", "Delete", { zone: "a" }]])[0]?.pvInfo, {
    reclaimPolicy: "Delete",
    labels: { zone: "a" },
  });
});

test("a backup's resource list has its kinds and each kind's items sorted", () => {
  assert.deepEqual(
    JSON.stringify(sortedLists({ "v1/Secret": ["b/s", "a/s"], "apps/v1/Deployment": ["z/d", "a/d", "m/d"] })),
    '{"apps/v1/Deployment":["a/d","m/d","z/d"],"v1/Secret":["a/s","b/s"]}',
  );
});

test("a restore's resource list has each kind's items sorted, escaped and ended as Go writes them", async (t) => {
  const list = await ResourceListFile.create();
  t.after(() => list.remove());
  list.add("v1/ConfigMap", "shop/b(created)");
  list.add("v1/ConfigMap", "shop/a(skipped)");
  list.add("v1/ConfigMap", "bank/<c>&(failed)");
  assert.equal(
    gunzipSync(await fs.readFile(await list.gzippedFile())).toString(),
    '{"v1/ConfigMap":["bank/\\u003cc\\u003e\\u0026(failed)","shop/a(skipped)","shop/b(created)"]}\n',
  );
});

test("an existing object that differs, with no policy named: Velero's Kind:name warning", () => {
  assert.equal(
    new ExistingPolicies({}).differsWarning("configmaps", "ConfigMap", "kube-root-ca.crt"),
    "could not restore, ConfigMap:kube-root-ca.crt already exists. Warning: the in-cluster version is different than the backed-up version",
  );
});

test("an existing object that differs, with policy none: Velero's quoted-name warning", () => {
  assert.equal(
    new ExistingPolicies({ existingResourcePolicy: "none" }).differsWarning(
      "configmaps",
      "ConfigMap",
      "kube-root-ca.crt",
    ),
    'could not restore, ConfigMap "kube-root-ca.crt" already exists. Warning: the in-cluster version is different than the backed-up version',
  );
});

test("describe reads a results file whose buckets Velero left out", () => {
  assert.deepEqual(describeResults({ errors: {}, warnings: { namespaces: { shop: ["w"] } } }), [
    "Warnings:",
    "  Velero:     <none>",
    "  Cluster:    <none>",
    "  Namespaces: ",
    "    shop:",
    "      w",
    "",
    "Errors:  <none>",
  ]);
});
