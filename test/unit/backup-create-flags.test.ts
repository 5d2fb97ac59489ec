import assert from "node:assert/strict";
import { test } from "node:test";
import type { Backup, Schedule } from "../../src/api/v1/index.js";
import { backupFromFlags, backupFromSchedule } from "../../src/cli/backup/create.js";
// With no cluster to reach: `-o json` prints the Backup without sending it.
import { runCliWithoutCluster as cli } from "../cli.js";

const flags = (f: object) => ({ namespace: "velero", ...f });

test("backup create -o json puts each new flag into Velero's spec field and metadata", async () => {
  const { code, stdout, stderr } = await cli([
    "backup",
    "create",
    "b1",
    "--include-cluster-scoped-resources",
    "storageclasses,persistentvolumes",
    "--exclude-cluster-scoped-resources",
    "clusterroles",
    "--include-namespace-scoped-resources",
    "deployments.apps",
    "--exclude-namespace-scoped-resources",
    "secrets",
    "--ordered-resources",
    "pods=ns1/pod1,ns1/pod2;persistentvolumes=pv4,pv8",
    "--csi-snapshot-timeout",
    "5m",
    "--item-operation-timeout",
    "2h",
    "--annotations",
    "team=blue,url=http://x/?a=b",
    "--snapshot-volumes=false",
    "-o",
    "json",
  ]);
  assert.equal(code, 0, stderr);
  const backup = JSON.parse(stdout) as Backup;
  assert.deepEqual(backup.metadata.annotations, { team: "blue", url: "http://x/?a=b" });
  assert.deepEqual(backup.spec, {
    includedNamespaces: ["*"],
    includedClusterScopedResources: ["storageclasses", "persistentvolumes"],
    excludedClusterScopedResources: ["clusterroles"],
    includedNamespaceScopedResources: ["deployments.apps"],
    excludedNamespaceScopedResources: ["secrets"],
    orderedResources: { pods: "ns1/pod1,ns1/pod2", persistentvolumes: "pv4,pv8" },
    csiSnapshotTimeout: "5m",
    itemOperationTimeout: "2h",
    snapshotVolumes: false,
  });
});

test("--snapshot-volumes alone means true", async () => {
  const { code, stdout } = await cli(["backup", "create", "b1", "--snapshot-volumes", "-o", "json"]);
  assert.equal(code, 0);
  assert.equal((JSON.parse(stdout) as { spec: { snapshotVolumes?: boolean } }).spec.snapshotVolumes, true);
});

test("--default-volumes-to-fs-backup sets spec.defaultVolumesToFsBackup, alone meaning true", async () => {
  for (const [args, expected] of [
    [["--default-volumes-to-fs-backup"], true],
    [["--default-volumes-to-fs-backup=false"], false],
  ] as const) {
    const { code, stdout, stderr } = await cli(["backup", "create", "b1", ...args, "-o", "json"]);
    assert.equal(code, 0, stderr);
    assert.equal((JSON.parse(stdout) as Backup).spec.defaultVolumesToFsBackup, expected);
  }
});

test("--snapshot-move-data, --preserve-local-snapshot and --data-mover set Velero's snapshotMoveData and datamover and our preserveLocalSnapshot", async () => {
  const args = ["--snapshot-move-data", "--preserve-local-snapshot", "--data-mover", "velero"];
  const { code, stdout, stderr } = await cli(["backup", "create", "b1", ...args, "-o", "json"]);
  assert.equal(code, 0, stderr);
  const { spec } = JSON.parse(stdout) as Backup;
  assert.deepEqual(
    [spec.snapshotMoveData, spec.preserveLocalSnapshot, spec.datamover],
    [true, true, "velero"],
  );
});

test("--preserve-local-snapshot without --snapshot-move-data is refused, saying what to add", () => {
  assert.throws(
    () => backupFromFlags("b", flags({ preserveLocalSnapshot: true }), "velero"),
    /^Error: --preserve-local-snapshot keeps the CSI snapshot of data the backup moves: add --snapshot-move-data/,
  );
});

test("a bad --csi-snapshot-timeout or --item-operation-timeout is refused, naming the flag", () => {
  assert.throws(
    () => backupFromFlags("b", flags({ csiSnapshotTimeout: "ten minutes" }), "velero"),
    /^Error: --csi-snapshot-timeout: invalid duration "ten minutes": use Go's format/,
  );
  assert.throws(
    () => backupFromFlags("b", flags({ itemOperationTimeout: "4" }), "velero"),
    /^Error: --item-operation-timeout: invalid duration "4"/,
  );
});

test("old and scoped resource filters together are refused with Velero's message", () => {
  assert.throws(
    () =>
      backupFromFlags(
        "b",
        flags({ includeResources: ["pods"], excludeNamespaceScopedResources: ["secrets"] }),
        "velero",
      ),
    /include-resources, exclude-resources and include-cluster-resources are old filter parameters\.\n.*\nThey cannot be used together/,
  );
  assert.throws(
    () =>
      backupFromFlags(
        "b",
        flags({ includeClusterResources: false, includeClusterScopedResources: ["storageclasses"] }),
        "velero",
      ),
    /They cannot be used together/,
  );
});

test("a malformed --ordered-resources entry is refused, showing the form", () => {
  assert.throws(
    () => backupFromFlags("b", flags({ orderedResources: "pods=ns1/pod1;persistentvolumes" }), "velero"),
    /invalid --ordered-resources entry "persistentvolumes": use resource=namespace\/name/,
  );
});

test("scoped lists Velero refuses are refused before sending", () => {
  assert.throws(
    () =>
      backupFromFlags(
        "b",
        flags({ includeClusterScopedResources: ["storageclasses"], excludeClusterScopedResources: ["*"] }),
        "velero",
      ),
    /Invalid cluster-scoped included\/excluded resource lists: when exclude is '\*', include cannot have value/,
  );
});

const SCHEDULE: Schedule = {
  apiVersion: "velero.io/v1",
  kind: "Schedule",
  metadata: {
    name: "daily",
    namespace: "velero",
    uid: "uid-1",
    labels: { owner: "ops" },
    annotations: { note: "nightly" },
  },
  spec: {
    schedule: "0 1 * * *",
    template: { includedNamespaces: ["shop"], ttl: "24h0m0s", snapshotVolumes: false },
  },
};

test("--from-schedule copies the template, labels it with the schedule and names it <schedule>-<timestamp>", () => {
  const backup = backupFromSchedule(
    SCHEDULE,
    undefined,
    flags({ labels: ["extra=1"] }),
    new Date(Date.UTC(2026, 11, 2, 6, 7, 8)),
  );
  assert.equal(backup.metadata.name, "daily-20261202060708");
  assert.equal(backup.metadata.namespace, "velero");
  assert.deepEqual(backup.metadata.labels, { owner: "ops", "velero.io/schedule-name": "daily", extra: "1" });
  assert.deepEqual(backup.metadata.annotations, { note: "nightly" });
  assert.deepEqual(backup.spec, SCHEDULE.spec.template);
  assert.equal(backup.metadata.ownerReferences, undefined);
});

test("--from-schedule prefers the template's labels and owns the backup when the schedule says so", () => {
  const schedule: Schedule = {
    ...SCHEDULE,
    spec: {
      ...SCHEDULE.spec,
      useOwnerReferencesInBackup: true,
      template: { ...SCHEDULE.spec.template, metadata: { labels: { tier: "gold" } } },
    },
  };
  const backup = backupFromSchedule(schedule, "named", flags({}));
  assert.equal(backup.metadata.name, "named");
  assert.deepEqual(backup.metadata.labels, { tier: "gold", "velero.io/schedule-name": "daily" });
  assert.deepEqual(backup.metadata.ownerReferences, [
    { apiVersion: "velero.io/v1", kind: "Schedule", name: "daily", uid: "uid-1", controller: true },
  ]);
});

test("--from-schedule with a spec flag is refused, naming the flags", () => {
  assert.throws(
    () => backupFromSchedule(SCHEDULE, undefined, flags({ includeNamespaces: ["a"], ttl: "1h" })),
    /--from-schedule takes the whole spec from the schedule's template: it cannot be used with --include-namespaces, --ttl/,
  );
});

test("--from-schedule refuses a template the server would refuse", () => {
  const schedule = { ...SCHEDULE, spec: { ...SCHEDULE.spec, template: { csiSnapshotTimeout: "soon" } } };
  assert.throws(
    () => backupFromSchedule(schedule, undefined, flags({})),
    /the backup would fail validation:\n {2}spec\.csiSnapshotTimeout: invalid duration "soon"/,
  );
});

test("without --from-schedule a name is required; an empty --from-schedule is refused", async () => {
  const unnamed = await cli(["backup", "create", "-o", "json"]);
  assert.notEqual(unnamed.code, 0);
  assert.match(unnamed.stderr, /a backup name is required, unless you are creating based on a schedule/);
  const empty = await cli(["backup", "create", "--from-schedule", " ", "-o", "json"]);
  assert.notEqual(empty.code, 0);
  assert.match(empty.stderr, /flag must have a non-empty value: --from-schedule/);
});
