import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promises as fs } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { gunzipSync } from "node:zlib";
import type { Backup } from "../../src/api/v1/index.js";
import { kubectl, testNamespace, waitUntil } from "./support.js";
import { createReadOnlyLocation, storageDir, velero } from "./velero.js";

const exec = promisify(execFile);

async function workload(ns: string): Promise<void> {
  await kubectl(
    ["apply", "-n", ns, "-f", "-"],
    `
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, labels: {app: shop}}
data: {color: blue}
---
apiVersion: v1
kind: Secret
metadata: {name: password, labels: {app: shop}}
stringData: {password: hunter2}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: unrelated}
data: {x: "y"}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, labels: {app: shop}}
spec:
  storageClassName: standard-immediate
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
`,
  );
  await waitUntil("the claim to bind", 30_000, async () => {
    const phase = await kubectl(["get", "pvc", "data", "-n", ns, "-o", "jsonpath={.status.phase}"]);
    return phase === "Bound";
  });
}

function backupName(prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
}

async function tarList(file: string): Promise<string[]> {
  const { stdout } = await exec("tar", ["-tzf", file]);
  return stdout.trim().split("\n");
}

test("a namespace backup writes Velero's files, takes the claim's PV, and is Completed", async (t) => {
  const ns = await testNamespace(t, "bk");
  await workload(ns);
  const name = backupName("full");
  const created = await velero(["backup", "create", name, "--include-namespaces", ns, "--wait"]);
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /Backup completed with status: Completed/);

  const dir = path.join(storageDir(), "backups", name);
  assert.deepEqual((await fs.readdir(dir)).sort(), [
    `${name}-csi-volumesnapshotclasses.json.gz`,
    `${name}-csi-volumesnapshotcontents.json.gz`,
    `${name}-csi-volumesnapshots.json.gz`,
    `${name}-itemoperations.json.gz`,
    `${name}-logs.gz`,
    `${name}-podvolumebackups.json.gz`,
    `${name}-resource-list.json.gz`,
    `${name}-results.gz`,
    `${name}-volumeinfo.json.gz`,
    `${name}-volumesnapshots.json.gz`,
    `${name}.tar.gz`,
    "velero-backup.json",
  ]);
  const metadata = JSON.parse(await fs.readFile(path.join(dir, "velero-backup.json"), "utf8")) as Backup;
  assert.equal(metadata.status?.phase, "Completed");
  assert.equal(metadata.status?.formatVersion, "1.1.0");
  assert.ok(metadata.status?.expiration, "has an expiration (default ttl)");
  assert.equal(metadata.spec.ttl, "720h0m0s");
  assert.equal(metadata.spec.csiSnapshotTimeout, "10m0s");
  assert.equal(metadata.spec.itemOperationTimeout, "4h0m0s");
  assert.deepEqual(metadata.status?.hookStatus, {});
  assert.ok(!("warnings" in metadata.status || "errors" in metadata.status), "zero counts are left out");
  const version = JSON.parse(await kubectl(["get", "--raw", "/version"])) as {
    gitVersion: string;
    minor: string;
  };
  assert.equal(
    metadata.metadata.annotations?.["velero.io/source-cluster-k8s-gitversion"],
    version.gitVersion,
  );
  assert.equal(metadata.metadata.annotations?.["velero.io/source-cluster-k8s-minor-version"], version.minor);
  const cr = JSON.parse(
    await kubectl(["get", "backups.velero.io", name, "-n", "velero", "-o", "json"]),
  ) as Backup;
  assert.equal(cr.spec.csiSnapshotTimeout, "10m0s", "the Backup object has the defaults too");
  assert.equal(
    gunzipSync(await fs.readFile(path.join(dir, `${name}-itemoperations.json.gz`))).toString(),
    "[]\n",
  );

  const entries = await tarList(path.join(dir, `${name}.tar.gz`));
  assert.equal(entries[0], "metadata/version");
  for (const item of [
    `resources/configmaps/namespaces/${ns}/settings.json`,
    `resources/configmaps/v1-preferredversion/namespaces/${ns}/settings.json`,
    `resources/secrets/namespaces/${ns}/password.json`,
    `resources/persistentvolumeclaims/namespaces/${ns}/data.json`,
    `resources/namespaces/cluster/${ns}.json`,
  ]) {
    assert.ok(entries.includes(item), `${item} is in the archive`);
  }
  const pv = (await kubectl(["get", "pvc", "data", "-n", ns, "-o", "jsonpath={.spec.volumeName}"])).trim();
  assert.ok(entries.includes(`resources/persistentvolumes/cluster/${pv}.json`), "the claim's PV came along");
  assert.ok(!entries.some((e) => e.includes("/nodes/")), "no unrelated cluster-scoped resources");

  const resourceList = JSON.parse(
    gunzipSync(await fs.readFile(path.join(dir, `${name}-resource-list.json.gz`))).toString(),
  ) as Record<string, string[]>;
  assert.ok(resourceList["v1/ConfigMap"]?.includes(`${ns}/settings`));
  assert.deepEqual(resourceList["v1/PersistentVolume"], [pv]);
  const volumes = JSON.parse(
    gunzipSync(await fs.readFile(path.join(dir, `${name}-volumeinfo.json.gz`))).toString(),
  ) as {
    pvcName: string;
    pvName: string;
    skipped: boolean;
    backupMethod: string;
  }[];
  assert.deepEqual(
    volumes.map((v) => [v.pvcName, v.pvName, v.skipped, v.backupMethod]),
    [["data", pv, false, "CSISnapshot"]],
  );

  const get = await velero(["backup", "get", name]);
  assert.match(get.stdout, new RegExp(`${name}\\s+Completed\\s+0\\s+0`));
  const describe = await velero(["backup", "describe", name, "--details"]);
  assert.match(describe.stdout, /Phase:\s+Completed/);
  assert.match(describe.stdout, new RegExp(`Included:\\s+${ns}`));
  assert.match(describe.stdout, new RegExp(`- ${ns}/password`));
  const logs = await velero(["backup", "logs", name]);
  assert.match(logs.stdout, /level=info msg="Backup completed"/);
  assert.doesNotMatch(logs.stdout, /hunter2/, "secret data never reaches the log");
});

test("filters: resources, label selector and cluster resources off", async (t) => {
  const ns = await testNamespace(t, "filt");
  await workload(ns);
  const name = backupName("filtered");
  const created = await velero([
    "backup",
    "create",
    name,
    "--include-namespaces",
    ns,
    "--include-resources",
    "configmaps,pvc,persistentvolumes",
    "--selector",
    "app=shop",
    "--include-cluster-resources=false",
    "--snapshot-volumes=false",
    "--wait",
  ]);
  assert.equal(created.code, 0, created.stderr);
  const entries = await tarList(path.join(storageDir(), "backups", name, `${name}.tar.gz`));
  const items = entries.filter((e) => !e.includes("-preferredversion") && e !== "metadata/version");
  assert.deepEqual(items.sort(), [
    `resources/configmaps/namespaces/${ns}/settings.json`,
    `resources/persistentvolumeclaims/namespaces/${ns}/data.json`,
  ]);
});

test("bad input ends with a message that says what to change, and no backup looks complete", async (t) => {
  const ns = await testNamespace(t, "bad");
  const badSelector = await velero(["backup", "create", backupName("sel"), "--selector", "a=b=c"]);
  assert.notEqual(badSelector.code, 0);
  assert.match(badSelector.stderr, /invalid selector "a=b=c"/);

  const noLocation = backupName("noloc");
  // The CLI refuses an unknown location (cli-refusals.test.ts); kubectl can still send such a Backup.
  await kubectl(
    ["apply", "-f", "-"],
    JSON.stringify({
      apiVersion: "velero.io/v1",
      kind: "Backup",
      metadata: { name: noLocation, namespace: "velero" },
      spec: { includedNamespaces: [ns], storageLocation: "nowhere" },
    }),
  );
  const failed = await waitUntil<Backup>("FailedValidation", 30_000, async () => {
    const b = JSON.parse((await velero(["backup", "get", noLocation, "-o", "json"])).stdout) as Backup;
    return b.status?.phase === "FailedValidation" ? b : undefined;
  });
  assert.match(
    failed.status!.validationErrors!.join("\n"),
    /backup storage location "nowhere" does not exist/,
  );
  await assert.rejects(fs.access(path.join(storageDir(), "backups", noLocation)), "nothing was written");

  const taken = await velero(["backup", "create", noLocation]);
  assert.notEqual(taken.code, 0);
  assert.match(taken.stderr, new RegExp(`a backup named "${noLocation}" already exists`));

  const ttl = await velero(["backup", "create", backupName("ttl"), "--ttl", "ten days"]);
  assert.notEqual(ttl.code, 0);
  assert.match(ttl.stderr, /invalid duration "ten days"/);
});

test("a ReadOnly location refuses new backups", async (t) => {
  const ns = await testNamespace(t, "ro");
  const location = `ro-${ns}`;
  const created = await createReadOnlyLocation(location, storageDir());
  assert.equal(created.code, 0, created.stderr);
  t.after(() => velero(["backup-location", "delete", location, "--confirm"]));
  const name = backupName("ro");
  await velero(["backup", "create", name, "--include-namespaces", ns, "--storage-location", location]);
  const failed = await waitUntil<Backup>("FailedValidation", 30_000, async () => {
    const b = JSON.parse((await velero(["backup", "get", name, "-o", "json"])).stdout) as Backup;
    return b.status?.phase === "FailedValidation" ? b : undefined;
  });
  assert.match(
    failed.status!.validationErrors![0]!,
    new RegExp(`backup storage location ${location} is currently in read-only mode`),
  );
});

test("backup delete removes every file and the Backup; an expired backup is collected", async (t) => {
  const ns = await testNamespace(t, "del");
  const name = backupName("del");
  assert.equal((await velero(["backup", "create", name, "--include-namespaces", ns, "--wait"])).code, 0);
  const dir = path.join(storageDir(), "backups", name);
  await fs.access(dir);
  const refused = await velero(["backup", "delete", name]);
  assert.notEqual(refused.code, 0, "no terminal to confirm on, no --confirm: nothing deleted");
  const deleted = await velero(["backup", "delete", name, "--confirm"]);
  assert.match(deleted.stdout, new RegExp(`Request to delete backup "${name}" submitted successfully`));
  await waitUntil("the backup's files and object to go", 30_000, async () => {
    const gone = (await velero(["backup", "get", name])).code !== 0;
    const files = await fs.readdir(dir).catch(() => []);
    return gone && files.length === 0;
  });

  const expiring = backupName("ttl");
  assert.equal(
    (await velero(["backup", "create", expiring, "--include-namespaces", ns, "--ttl", "1s", "--wait"])).code,
    0,
  );
  await waitUntil(
    "the expired backup to be collected",
    60_000,
    async () => (await velero(["backup", "get", expiring])).code !== 0,
  );
  await assert.rejects(fs.access(path.join(storageDir(), "backups", expiring, "velero-backup.json")));
});

test("--wait with no server for the namespace says so instead of hanging", async (t) => {
  const ns = await testNamespace(t, "nosrv");
  const result = await velero(["backup", "create", backupName("orphan"), "-n", ns, "--wait"]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /has not been picked up after 20s: is the velero-ts server running\?/);
});

test("Events are backed up once, as Velero does: from the core group, not again from events.k8s.io", async (t) => {
  const ns = await testNamespace(t, "ev");
  await kubectl(
    ["create", "-n", ns, "-f", "-"],
    JSON.stringify({
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: "hello" },
      involvedObject: { kind: "ConfigMap", name: "settings", namespace: ns },
      reason: "Testing",
      message: "one event",
      type: "Normal",
    }),
  );
  const name = backupName("events");
  assert.equal((await velero(["backup", "create", name, "--include-namespaces", ns, "--wait"])).code, 0);
  const entries = await tarList(path.join(storageDir(), "backups", name, `${name}.tar.gz`));
  assert.ok(entries.includes(`resources/events/namespaces/${ns}/hello.json`), "the core Event is there");
  assert.deepEqual(
    entries.filter((e) => e.startsWith("resources/events.events.k8s.io/")),
    [],
  );
});
