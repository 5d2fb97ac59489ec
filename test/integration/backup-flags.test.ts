import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import path from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import type { Backup } from "../../src/api/v1/index.js";
import { jsonOf, kubectl, testNamespace } from "./support.js";
import { storageDir, velero } from "./velero.js";

const exec = promisify(execFile);

/** The archive's item entries in the order they were written, without the preferred-version copies. */
async function archiveItems(name: string): Promise<string[]> {
  const file = path.join(storageDir(), "backups", name, `${name}.tar.gz`);
  const { stdout } = await exec("tar", ["-tzf", file]);
  return stdout
    .trim()
    .split("\n")
    .filter((e) => e !== "metadata/version" && !e.includes("-preferredversion/"));
}

const unique = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 8)}`;

async function configMaps(ns: string, names: string[]): Promise<void> {
  const docs = names.map((n) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${n}}\ndata: {k: v}`);
  await kubectl(["apply", "-n", ns, "-f", "-"], docs.join("\n---\n"));
}

/** `backup create <name> --include-namespaces <ns> ...flags --wait`, which must succeed. */
async function backUp(name: string, ns: string, flags: string[]): Promise<void> {
  const created = await velero(["backup", "create", name, "--include-namespaces", ns, ...flags, "--wait"]);
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /Backup completed with status: Completed/);
}

test("--ordered-resources writes the named items first, in the given order, then the rest", async (t) => {
  const ns = await testNamespace(t, "order");
  await configMaps(ns, ["cm-a", "cm-b", "cm-c", "cm-d"]);
  const name = unique("ordered");
  await backUp(name, ns, ["--ordered-resources", `configmaps=${ns}/cm-c,${ns}/cm-a`]);
  const items = await archiveItems(name);
  assert.deepEqual(items.slice(0, 2), [
    `resources/configmaps/namespaces/${ns}/cm-c.json`,
    `resources/configmaps/namespaces/${ns}/cm-a.json`,
  ]);
  for (const cm of ["cm-a", "cm-b", "cm-c", "cm-d"]) {
    const entry = `resources/configmaps/namespaces/${ns}/${cm}.json`;
    assert.equal(items.filter((i) => i === entry).length, 1, `${cm} is in the archive once`);
  }
});

test("--include-cluster-scoped-resources with --exclude-namespace-scoped-resources '*' holds exactly those", async (t) => {
  const ns = await testNamespace(t, "scoped");
  await configMaps(ns, ["settings"]);
  await kubectl(
    ["apply", "-n", ns, "-f", "-"],
    `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  storageClassName: standard-immediate
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}`,
  );
  const name = unique("scoped");
  await backUp(name, ns, [
    "--include-cluster-scoped-resources",
    "storageclasses",
    "--exclude-namespace-scoped-resources",
    "*",
  ]);
  const classes = (await kubectl(["get", "storageclasses", "-o", "jsonpath={.items[*].metadata.name}"]))
    .trim()
    .split(" ");
  assert.ok(classes.length > 0, "the cluster has storage classes");
  assert.deepEqual(
    (await archiveItems(name)).sort(),
    [
      `resources/namespaces/cluster/${ns}.json`,
      ...classes.map((c) => `resources/storageclasses.storage.k8s.io/cluster/${c}.json`),
    ].sort(),
  );
});

test("backup create --from-schedule makes <schedule>-<timestamp> from a Schedule made with kubectl", async (t) => {
  const ns = await testNamespace(t, "sched");
  await configMaps(ns, ["settings"]);
  const schedule = `daily-${ns}`;
  await kubectl(
    ["apply", "-n", "velero", "-f", "-"],
    `apiVersion: velero.io/v1
kind: Schedule
metadata: {name: ${schedule}, labels: {team: blue}}
spec:
  schedule: "0 1 * * *"
  paused: true
  template:
    includedNamespaces: [${ns}]
    includedResources: [configmaps]
    ttl: 24h0m0s`,
  );
  t.after(() => kubectl(["delete", "schedules.velero.io", schedule, "-n", "velero", "--ignore-not-found"]));
  const created = await velero(["backup", "create", "--from-schedule", schedule, "--wait"]);
  assert.equal(created.code, 0, created.stderr);
  const name = /Backup request "([^"]+)" submitted/.exec(created.stdout)?.[1];
  assert.match(name ?? "", new RegExp(`^${schedule}-\\d{14}$`));
  const backup = await jsonOf<Backup>(["get", "backups.velero.io", name!, "-n", "velero", "-o", "json"]);
  assert.equal(backup.status?.phase, "Completed");
  assert.equal(backup.metadata.labels?.["velero.io/schedule-name"], schedule);
  assert.equal(backup.metadata.labels?.team, "blue");
  assert.equal(backup.spec.ttl, "24h0m0s");
  const items = await archiveItems(name!);
  assert.ok(items.includes(`resources/configmaps/namespaces/${ns}/settings.json`));
  assert.ok(
    items.every((i) => i.startsWith("resources/configmaps/")),
    `only the template's configmaps: ${items.join(", ")}`,
  );
});
