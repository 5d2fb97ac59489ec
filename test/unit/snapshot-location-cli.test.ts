import assert from "node:assert/strict";
import { test } from "node:test";
import type { Command } from "commander";
import type { Backup, Schedule, VolumeSnapshotLocation } from "../../src/api/v1/index.js";
import { backupFromFlags, backupFromSchedule } from "../../src/cli/backup/create.js";
import { program } from "../../src/cli/main.js";
import { volumeSnapshotLocationFromFlags } from "../../src/cli/snapshot-location/index.js";
import { SNAPSHOT_PROVIDERS } from "../../src/volumes/snapshotters/volume-snapshotter.js";
// With no cluster to reach: anything refused before it is sent fails on its own message, and
// anything that tries to reach the cluster fails on the kubeconfig.
import { runCliWithoutCluster as cli } from "../cli.js";

test("snapshot-location create refuses an unknown provider, listing the providers, before sending anything", async () => {
  const { code, stdout, stderr } = await cli(["snapshot-location", "create", "s1", "--provider", "aws"]);
  assert.notEqual(code, 0);
  assert.equal(stdout, "");
  assert.match(
    stderr,
    /^error: velero-ts has no volume snapshotter for provider "aws": the providers are local-cluster\n$/,
  );
  // Not a failure to reach the cluster: nothing was tried.
  assert.doesNotMatch(stderr, /kubeconfig/i);
  assert.throws(
    () => volumeSnapshotLocationFromFlags("s1", { provider: "gcp" }, "velero"),
    new RegExp(`the providers are ${SNAPSHOT_PROVIDERS.join(", ")}$`),
  );
});

test("snapshot-location create runs the provider's config check: local-cluster needs an absolute clusterDir", async () => {
  const { code, stdout, stderr } = await cli([
    "snapshot-location",
    "create",
    "s1",
    "--provider",
    "local-cluster",
  ]);
  assert.notEqual(code, 0);
  assert.equal(stdout, "");
  assert.match(
    stderr,
    /^error: volume snapshot location s1: provider local-cluster needs config clusterDir, .*set --config clusterDir=\/path\n$/,
  );
  assert.throws(
    () =>
      volumeSnapshotLocationFromFlags(
        "s1",
        { provider: "local-cluster", config: ["clusterDir=relative/dir"] },
        "velero",
      ),
    /provider local-cluster needs config clusterDir/,
  );
});

test("the VolumeSnapshotLocation built from the flags", () => {
  const location = volumeSnapshotLocationFromFlags(
    "snaps",
    {
      provider: "local-cluster",
      config: ["clusterDir=/tmp/cluster", "note=a=b"],
      credential: "cloud-credentials=cloud",
      labels: ["team=blue"],
    },
    "velero-ns",
  );
  assert.deepEqual(location, {
    apiVersion: "velero.io/v1",
    kind: "VolumeSnapshotLocation",
    metadata: { name: "snaps", namespace: "velero-ns", labels: { team: "blue" } },
    spec: {
      provider: "local-cluster",
      config: { clusterDir: "/tmp/cluster", note: "a=b" },
      credential: { name: "cloud-credentials", key: "cloud" },
    },
  } satisfies VolumeSnapshotLocation);
  // No labels, no credential: neither field at all.
  const bare = volumeSnapshotLocationFromFlags(
    "s",
    { provider: "local-cluster", config: ["clusterDir=/c"] },
    "velero",
  );
  assert.deepEqual(bare.metadata, { name: "s", namespace: "velero" });
  assert.deepEqual(bare.spec, { provider: "local-cluster", config: { clusterDir: "/c" } });
});

test("a malformed --config, --credential or --labels is refused, naming the flag", () => {
  const ok = { provider: "local-cluster", config: ["clusterDir=/c"] };
  assert.throws(
    () => volumeSnapshotLocationFromFlags("s", { ...ok, config: ["clusterDir"] }, "velero"),
    /^Error: --config: "clusterDir" is not key=value$/,
  );
  assert.throws(
    () => volumeSnapshotLocationFromFlags("s", { ...ok, credential: "secret" }, "velero"),
    /^Error: --credential: "secret" is not secret-name=key$/,
  );
  assert.throws(
    () => volumeSnapshotLocationFromFlags("s", { ...ok, labels: ["team"] }, "velero"),
    /invalid label "team"/,
  );
});

test("snapshot-location create -o json prints the location without sending it", async () => {
  const { code, stdout, stderr } = await cli([
    "snapshot-location",
    "create",
    "s1",
    "--provider",
    "local-cluster",
    "--config",
    "clusterDir=/tmp/c",
    "-o",
    "json",
  ]);
  assert.equal(code, 0, stderr);
  const location = JSON.parse(stdout) as VolumeSnapshotLocation;
  assert.equal(location.kind, "VolumeSnapshotLocation");
  assert.deepEqual(location.spec, { provider: "local-cluster", config: { clusterDir: "/tmp/c" } });
});

test("backup create --volume-snapshot-locations a,b puts the list in the spec", async () => {
  const backup = backupFromFlags(
    "b1",
    { namespace: "velero", volumeSnapshotLocations: ["a", "b"] },
    "velero",
  );
  assert.deepEqual(backup.spec.volumeSnapshotLocations, ["a", "b"]);
  assert.equal(
    backupFromFlags("b1", { namespace: "velero" }, "velero").spec.volumeSnapshotLocations,
    undefined,
  );

  const { code, stdout, stderr } = await cli([
    "backup",
    "create",
    "b1",
    "--volume-snapshot-locations",
    "a,b",
    "--volume-snapshot-locations",
    "c",
    "-o",
    "json",
  ]);
  assert.equal(code, 0, stderr);
  assert.deepEqual((JSON.parse(stdout) as Backup).spec.volumeSnapshotLocations, ["a", "b", "c"]);
});

test("--volume-snapshot-locations is a spec flag: refused with --from-schedule, which takes the template's", () => {
  const schedule: Schedule = {
    apiVersion: "velero.io/v1",
    kind: "Schedule",
    metadata: { name: "daily", namespace: "velero", uid: "u" },
    spec: { schedule: "@daily", template: {} },
  };
  assert.throws(
    () => backupFromSchedule(schedule, undefined, { namespace: "velero", volumeSnapshotLocations: ["a"] }),
    /cannot be used with --volume-snapshot-locations$/,
  );
});

/** The command that `words` name from the root, by names or aliases. */
function resolve(root: Command, words: string[]): Command {
  let cmd = root;
  for (const word of words) {
    const next = cmd.commands.find((c) => c.name() === word || c.aliases().includes(word));
    assert.ok(next, `"${words.join(" ")}": no command "${word}" under "${cmd.name()}"`);
    cmd = next;
  }
  return cmd;
}

test("snapshot-location's verb-first forms are the same commands", () => {
  const root = program();
  const flags = (cmd: Command) => cmd.options.map((o) => o.flags).sort();
  for (const [verbFirst, nounFirst] of [
    [
      ["create", "snapshot-location"],
      ["snapshot-location", "create"],
    ],
    [
      ["get", "snapshot-locations"],
      ["snapshot-location", "get"],
    ],
    [
      ["get", "snapshot-location"],
      ["snapshot-location", "get"],
    ],
    [
      ["delete", "snapshot-location"],
      ["snapshot-location", "delete"],
    ],
    [
      ["delete", "snapshot-locations"],
      ["snapshot-location", "delete"],
    ],
  ] as const) {
    const a = resolve(root, [...verbFirst]);
    const b = resolve(root, [...nounFirst]);
    assert.equal(a.description(), b.description(), verbFirst.join(" "));
    assert.deepEqual(flags(a), flags(b), verbFirst.join(" "));
  }
  assert.ok(resolve(root, ["snapshot-location", "set"]).options.some((o) => o.long === "--credential"));
});

test("snapshot-location get, set and delete need the cluster: without one they fail, not succeed", async () => {
  for (const args of [
    ["snapshot-location", "get"],
    ["snapshot-location", "set", "s1", "--credential", "a=b"],
    ["snapshot-location", "delete", "s1", "--confirm"],
  ]) {
    const { code, stdout } = await cli(args);
    assert.notEqual(code, 0, args.join(" "));
    assert.equal(stdout, "", args.join(" "));
  }
});
