// Existing-resource policies (none, update, recreate), per-resource overrides and the delta preview,
// restoring a backup onto the namespace it came from after some of its objects changed.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import type { Restore } from "../../src/api/v1/index.js";
import { backupAndStore } from "../../src/cli/backup/store-of.js";
import { KubeClient } from "../../src/kube/client.js";
import { VeleroClient } from "../../src/kube/velero-client.js";
import { DEFAULT_RESTORE_PRIORITIES } from "../../src/restore/priorities.js";
import { DEFAULT_RESTORE_LIMITS } from "../../src/restore/limits.js";
import { runRestore } from "../../src/restore/restorer.js";
import {
  jsonOf,
  kubeConfig,
  kubectl,
  setConfigMapFinalizers,
  testNamespace,
  waitAvailable,
  waitUntil,
} from "./support.js";
import { restoreFiles, velero } from "./velero.js";

interface Delta {
  create: Ref[];
  differs: (Ref & { changes: { path: string; inCluster?: unknown; inBackup?: unknown }[] })[];
  identical: Ref[];
  absentFromBackup: (Ref & { action: string })[];
}
interface Ref {
  groupResource: string;
  namespace?: string;
  name: string;
}

const suffix = () => randomBytes(3).toString("hex");

function job(image: string): string {
  return `
apiVersion: batch/v1
kind: Job
metadata: {name: batch}
spec:
  suspend: true
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: ${image}, command: ["true"]}]
`;
}

async function application(ns: string): Promise<void> {
  await kubectl(
    ["apply", "-n", ns, "-f", "-"],
    `
apiVersion: v1
kind: ConfigMap
metadata: {name: same}
data: {v: "1"}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: changed}
data: {v: "1"}
---
apiVersion: v1
kind: Secret
metadata: {name: token}
stringData: {password: hunter2}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx}]
---
${job("busybox:1")}
`,
  );
  await waitAvailable(ns, "web");
}

async function preview(backup: string, ns: string, flags: string[] = []): Promise<Delta> {
  const out = await velero([
    "restore",
    "create",
    "--from-backup",
    backup,
    "--dry-run",
    "-o",
    "json",
    ...flags,
  ]);
  assert.equal(out.code, 0, out.stderr);
  const plan = JSON.parse(out.stdout) as { delta: Delta };
  const inNs = (r: Ref) => r.namespace === ns;
  return {
    create: plan.delta.create.filter(inNs),
    differs: plan.delta.differs.filter(inNs),
    identical: plan.delta.identical.filter(inNs),
    absentFromBackup: plan.delta.absentFromBackup.filter(inNs),
  };
}

async function restore(name: string, backup: string, flags: string[]): Promise<void> {
  const out = await velero(["restore", "create", name, "--from-backup", backup, "--wait", ...flags]);
  assert.match(out.stdout, /Restore completed with status: Completed/, `${out.stdout}\n${out.stderr}`);
}

const configValue = (ns: string, name: string) =>
  kubectl(["get", "configmap", name, "-n", ns, "-o", "jsonpath={.data.v}"]);

async function objectOf(ns: string, what: string): Promise<{ uid: string; labels: Record<string, string> }> {
  const o = await jsonOf<{ metadata: { uid: string; labels?: Record<string, string> } }>([
    "get",
    what,
    "-n",
    ns,
  ]);
  return { uid: o.metadata.uid, labels: o.metadata.labels ?? {} };
}

const jobImage = (ns: string) =>
  kubectl(["get", "job", "batch", "-n", ns, "-o", "jsonpath={.spec.template.spec.containers[0].image}"]);

test("none, update, recreate and overrides against unchanged, changed and immutable-field-changed objects", async (t) => {
  const id = suffix();
  const ns = await testNamespace(t, "policy");
  await application(ns);
  const backup = `policy-${id}`;
  const made = await velero(["backup", "create", backup, "--include-namespaces", ns, "--wait"]);
  assert.match(made.stdout, /Backup completed with status: Completed/, made.stderr);

  // Nothing changed since the backup: every object is reported identical, whatever the server filled in.
  const unchanged = await preview(backup, ns, ["--existing-resource-policy", "update"]);
  assert.deepEqual(unchanged.differs, [], JSON.stringify(unchanged.differs, null, 1));
  const identical = unchanged.identical.map((r) => `${r.groupResource}/${r.name}`);
  for (const o of ["configmaps/same", "configmaps/changed", "secrets/token", "services/web"])
    assert.ok(identical.includes(o), `${o} is identical: ${identical.join(", ")}`);
  for (const o of ["deployments.apps/web", "jobs.batch/batch"]) assert.ok(identical.includes(o), o);

  // Changes after the backup, one of them to a field the API server will not let a patch change.
  await kubectl(["patch", "configmap", "changed", "-n", ns, "-p", '{"data":{"v":"2"}}']);
  await kubectl(["patch", "secret", "token", "-n", ns, "-p", '{"stringData":{"password":"changed"}}']);
  await kubectl(["patch", "service", "web", "-n", ns, "-p", '{"spec":{"type":"NodePort"}}']);
  await kubectl(["delete", "job", "batch", "-n", ns, "--wait=true"]);
  await kubectl(["apply", "-n", ns, "-f", "-"], job("busybox:2"));

  const changed = await preview(backup, ns);
  const diff = (name: string) => changed.differs.find((d) => `${d.groupResource}/${d.name}` === name);
  assert.deepEqual(diff("configmaps/changed")?.changes, [{ path: "data.v", inCluster: "2", inBackup: "1" }]);
  assert.deepEqual(
    diff("services/web")?.changes.find((c) => c.path === "spec.type"),
    {
      path: "spec.type",
      inCluster: "NodePort",
      inBackup: "ClusterIP",
    },
  );
  assert.ok(
    diff("jobs.batch/batch")?.changes.some(
      (c) => c.path.startsWith("spec.template") && c.inCluster === "busybox:2" && c.inBackup === "busybox:1",
    ),
    JSON.stringify(diff("jobs.batch/batch")),
  );
  assert.deepEqual(diff("secrets/token")?.changes, [
    { path: "data.password", inCluster: "<masked>", inBackup: "<masked>" },
  ]);
  assert.ok(changed.identical.some((r) => r.name === "same"));
  const table = await velero(["restore", "create", "--from-backup", backup, "--dry-run"]);
  assert.match(table.stdout, /configmaps .*\/changed \(skip\):\n\s+data\.v: "2" -> "1"/);
  assert.doesNotMatch(table.stdout, /hunter2|aHVudGVyMg|Y2hhbmdlZA/, "no secret value is printed");

  // No policy: everything stays as it is, with Velero's warning (its Kind:name form) for each object that differs.
  const rNone = `none-${id}`;
  await restore(rNone, backup, []);
  assert.equal(await configValue(ns, "changed"), "2");
  const noneFiles = await restoreFiles(rNone);
  assert.ok(
    noneFiles.results.warnings.namespaces?.[ns]?.some((w) =>
      w.includes("could not restore, ConfigMap:changed already exists"),
    ),
  );
  assert.ok(noneFiles.resources["v1/ConfigMap"]?.includes(`${ns}/same(skipped)`));

  // update: changed objects patched back, unchanged ones labelled; the Job's template is immutable,
  // so it gets a warning that names it and only its labels.
  const rUpdate = `update-${id}`;
  await restore(rUpdate, backup, ["--existing-resource-policy", "update"]);
  assert.equal(await configValue(ns, "changed"), "1");
  assert.equal((await objectOf(ns, "configmap/same")).labels["velero.io/restore-name"], rUpdate);
  assert.equal(
    await kubectl(["get", "service", "web", "-n", ns, "-o", "jsonpath={.spec.type}"]),
    "ClusterIP",
  );
  assert.equal(await jobImage(ns), "busybox:2");
  assert.equal((await objectOf(ns, "job/batch")).labels["velero.io/restore-name"], rUpdate);
  const updateFiles = await restoreFiles(rUpdate);
  assert.ok(
    updateFiles.results.warnings.namespaces?.[ns]?.some((w) =>
      /could not update Job ".*\/batch" to the backup's version: .*; only its restore labels were patched/.test(
        w,
      ),
    ),
    JSON.stringify(updateFiles.results.warnings),
  );
  assert.ok(updateFiles.resources["v1/ConfigMap"]?.includes(`${ns}/changed(updated)`));

  // recreate: objects that differ are deleted and created anew; identical ones are only labelled.
  await kubectl(["patch", "configmap", "changed", "-n", ns, "-p", '{"data":{"v":"3"}}']);
  const before = { job: await objectOf(ns, "job/batch"), same: await objectOf(ns, "configmap/same") };
  const rRecreate = `recreate-${id}`;
  await restore(rRecreate, backup, ["--existing-resource-policy", "recreate"]);
  assert.equal(await jobImage(ns), "busybox:1");
  assert.notEqual((await objectOf(ns, "job/batch")).uid, before.job.uid);
  assert.equal(await configValue(ns, "changed"), "1");
  assert.equal((await objectOf(ns, "configmap/same")).uid, before.same.uid, "an identical object is kept");
  const recreateFiles = await restoreFiles(rRecreate);
  assert.ok(recreateFiles.resources["batch/v1/Job"]?.includes(`${ns}/batch(recreated)`));
  const described = await velero(["restore", "describe", rRecreate]);
  assert.match(described.stdout, /Existing Resource Policy:\s+recreate/);
  assert.match(described.stdout, /Items: .*[1-9]\d* recreated/);

  // Overrides: configmaps keep what the cluster has, everything else is updated.
  await kubectl(["patch", "configmap", "changed", "-n", ns, "-p", '{"data":{"v":"4"}}']);
  await kubectl(["patch", "service", "web", "-n", ns, "-p", '{"spec":{"type":"NodePort"}}']);
  const rOverride = `override-${id}`;
  await restore(rOverride, backup, [
    "--existing-resource-policy",
    "update",
    "--existing-resource-policy-override",
    "configmaps=none",
  ]);
  assert.equal(await configValue(ns, "changed"), "4");
  assert.equal(
    await kubectl(["get", "service", "web", "-n", ns, "-o", "jsonpath={.spec.type}"]),
    "ClusterIP",
  );
  const overridden = await velero(["restore", "describe", rOverride]);
  assert.match(
    overridden.stdout,
    /Existing Resource Policy:\s+update\nExisting Resource Policy Overrides:\n\s+none:\s+configmaps/,
  );
});

test("the delta of the design's use case B, then --prune deletes what the source deleted", async (t) => {
  const id = suffix();
  const source = await testNamespace(t, "delta");
  const target = `${source}-b`;
  t.after(() => kubectl(["delete", "namespace", target, "--wait=false"]).catch(() => undefined));
  for (const p of ["p1", "p2", "p3"])
    await kubectl(["create", "configmap", p, "-n", source, "--from-literal=v=1"]);
  const backup1 = `delta1-${id}`;
  assert.equal(
    (await velero(["backup", "create", backup1, "--include-namespaces", source, "--wait"])).code,
    0,
  );
  // "Cluster B" is the mapped namespace.
  const mapping = ["--namespace-mappings", `${source}:${target}`];
  await restore(`first-${id}`, backup1, mapping);

  // At the source, P1 is deleted and P2 updated; Backup2 holds P2' and P3.
  await kubectl(["delete", "configmap", "p1", "-n", source]);
  await kubectl(["patch", "configmap", "p2", "-n", source, "-p", '{"data":{"v":"2"}}']);
  const backup2 = `delta2-${id}`;
  assert.equal(
    (await velero(["backup", "create", backup2, "--include-namespaces", source, "--wait"])).code,
    0,
  );

  const delta = await preview(backup2, target, mapping);
  assert.deepEqual(
    delta.differs.map((d) => [d.name, d.changes]),
    [["p2", [{ path: "data.v", inCluster: "1", inBackup: "2" }]]],
  );
  assert.ok(delta.identical.some((r) => r.name === "p3"));
  assert.deepEqual(
    delta.absentFromBackup.map((r) => [r.groupResource, r.name, r.action]),
    [["configmaps", "p1", "skip"]],
  );
  const table = await velero(["restore", "create", "--from-backup", backup2, "--dry-run", ...mapping]);
  assert.match(
    table.stdout,
    /no longer in this backup: 1\n\s+configmaps .*\/p1: .*kept \(--prune deletes it\)/,
  );
  await kubectl(["get", "configmap", "p1", "-n", target]); // the preview deleted nothing

  const withPrune = await preview(backup2, target, [...mapping, "--prune"]);
  assert.deepEqual(
    withPrune.absentFromBackup.map((r) => r.action),
    ["prune"],
  );

  const pruned = `prune-${id}`;
  await restore(pruned, backup2, [...mapping, "--existing-resource-policy", "update", "--prune"]);
  await assert.rejects(kubectl(["get", "configmap", "p1", "-n", target]), /NotFound/);
  assert.equal(await configValue(target, "p2"), "2");
  assert.equal((await objectOf(target, "configmap/p3")).labels["velero.io/restore-name"], pruned);
  const files = await restoreFiles(pruned);
  assert.ok(files.resources["v1/ConfigMap"]?.includes(`${target}/p1(pruned)`));
  assert.ok(
    files.results.warnings.namespaces?.[target]?.some((w) => w.includes(`pruned ConfigMap "${target}/p1"`)),
    JSON.stringify(files.results.warnings),
  );
});

test("recreate gives up on an object whose delete hangs on a finalizer, after the timeout, and goes on", async (t) => {
  const id = suffix();
  const ns = await testNamespace(t, "hang");
  await kubectl(["create", "configmap", "free", "-n", ns, "--from-literal=v=1"]);
  await kubectl(["create", "configmap", "held", "-n", ns, "--from-literal=v=1"]);
  await setConfigMapFinalizers(ns, "held", ["example.com/hold"]);
  t.after(() => setConfigMapFinalizers(ns, "held", null));
  const backup = `hang-${id}`;
  assert.equal((await velero(["backup", "create", backup, "--include-namespaces", ns, "--wait"])).code, 0);
  for (const name of ["free", "held"])
    await kubectl(["patch", "configmap", name, "-n", ns, "-p", '{"data":{"v":"2"}}']);

  // The server's --resource-terminating-timeout is 10 minutes; the engine is run here with 3 seconds.
  const client = new KubeClient(kubeConfig());
  const { store } = await backupAndStore(new VeleroClient(client, "velero"), backup);
  const restore: Restore = {
    apiVersion: "velero.io/v1",
    kind: "Restore",
    metadata: { name: `hang-${id}`, namespace: "velero" },
    spec: { backupName: backup, includedNamespaces: [ns], existingResourcePolicy: "recreate" },
  };
  const status = await runRestore(restore, {
    client,
    store,
    priorities: DEFAULT_RESTORE_PRIORITIES,
    limits: DEFAULT_RESTORE_LIMITS,
    concurrency: 4,
    terminatingTimeoutMs: 3_000,
  });
  client.close();
  assert.equal(status.phase, "PartiallyFailed");
  assert.equal(status.errors, 1);
  const { results, resources } = await restoreFiles(restore.metadata.name!);
  assert.match(
    results.errors.namespaces?.[ns]?.join() ?? "",
    /configmaps\/.*\/held: deleted to be recreated, it was still there after 3s \(finalizers: example.com\/hold\)/,
  );
  assert.ok(resources["v1/ConfigMap"]?.includes(`${ns}/free(recreated)`));
  assert.equal(await configValue(ns, "free"), "1");
});

test("--prune never deletes what a controller owns: the EndpointSlices of a restored Service", async (t) => {
  const id = suffix();
  const source = await testNamespace(t, "owned");
  const target = `${source}-b`;
  t.after(() => kubectl(["delete", "namespace", target, "--wait=false"]).catch(() => undefined));
  await kubectl(
    ["apply", "-n", source, "-f", "-"],
    "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {selector: {app: web}, ports: [{port: 80}]}\n",
  );
  await kubectl(["create", "configmap", "p1", "-n", source, "--from-literal=v=1"]);
  const backup = `owned-${id}`;
  assert.equal(
    (await velero(["backup", "create", backup, "--include-namespaces", source, "--wait"])).code,
    0,
  );
  const mapping = ["--namespace-mappings", `${source}:${target}`];
  await restore(`owned-first-${id}`, backup, mapping);

  // The endpointslice controller makes the Service's slice, copying the Service's labels, restore labels too.
  interface Slice {
    metadata: { name: string; uid: string; labels?: Record<string, string>; ownerReferences?: unknown[] };
  }
  const slices = async () =>
    (await jsonOf<{ items: Slice[] }>(["get", "endpointslices", "-n", target])).items;
  const owned = await waitUntil(
    "the controller's EndpointSlice with the restore's labels",
    30_000,
    async () =>
      (await slices()).find(
        (s) =>
          s.metadata.ownerReferences?.length &&
          s.metadata.labels?.["velero.io/restore-name"] === `owned-first-${id}`,
      ),
  );
  const delta = await preview(backup, target, [...mapping, "--prune"]);
  assert.deepEqual(
    delta.absentFromBackup.filter((r) => r.groupResource === "endpointslices.discovery.k8s.io"),
    [],
  );
  await restore(`owned-prune-${id}`, backup, [...mapping, "--existing-resource-policy", "update", "--prune"]);
  assert.ok(
    (await slices()).some((s) => s.metadata.uid === owned.metadata.uid),
    `the controller's slice ${owned.metadata.name} is still there`,
  );
});
