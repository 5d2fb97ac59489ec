import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test, type TestContext } from "node:test";
import { promises as fs } from "node:fs";
import path from "node:path";
import { jsonOf, kubectl, testNamespace, waitAvailable, waitForCrd, waitUntil } from "./support.js";
import { restoreFiles, storageDir, velero } from "./velero.js";

const suffix = () => randomBytes(3).toString("hex");

/** Everything the issue names: a Deployment, a NodePort Service, ConfigMaps, Secrets, a ServiceAccount, RBAC, a CRD with custom resources and a Retain PV. */
async function application(ns: string, id: string): Promise<{ crd: string; pv: string }> {
  const crd = `widgets${id}.example.com`;
  const pv = `retained-${id}`;
  await kubectl(
    ["apply", "-f", "-"],
    `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: ${crd}}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets${id}, singular: widget${id}, kind: Widget${id}}
  versions:
    - name: v1
      served: true
      storage: true
      schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: ${pv}}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: ""
  hostPath: {path: /tmp/velero-ts-test-${id}}
`,
  );
  await waitForCrd(crd);
  await kubectl(
    ["apply", "-n", ns, "-f", "-"],
    `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      serviceAccountName: robot
      containers: [{name: web, image: nginx}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {color: blue}
---
apiVersion: v1
kind: Secret
metadata: {name: password}
stringData: {password: hunter2}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: robot}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader}
rules: [{apiGroups: [""], resources: [configmaps], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: robot-reads}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects: [{kind: ServiceAccount, name: robot, namespace: ${ns}}]
---
apiVersion: example.com/v1
kind: Widget${id}
metadata: {name: gadget}
spec: {size: 3}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  storageClassName: ""
  volumeName: ${pv}
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
`,
  );
  await waitUntil(
    "the claim to bind to the Retain volume",
    30_000,
    async () =>
      (await kubectl(["get", "pvc", "data", "-n", ns, "-o", "jsonpath={.status.phase}"])) === "Bound",
  );
  return { crd, pv };
}

async function deleteNamespace(ns: string): Promise<void> {
  await kubectl(["delete", "namespace", ns, "--wait=true", "--timeout=120s"]);
}

function cleanup(t: TestContext, what: string[][]): void {
  t.after(async () => {
    for (const args of what)
      await kubectl(["delete", "--ignore-not-found", "--wait=false", ...args]).catch(() => undefined);
  });
}

async function checkRestored(ns: string, pv: string, id: string, restoreName: string): Promise<void> {
  const deployment = await jsonOf<{ metadata: { labels: Record<string, string> } }>([
    "get",
    "deployment",
    "web",
    "-n",
    ns,
  ]);
  assert.equal(deployment.metadata.labels["velero.io/restore-name"], restoreName);
  const service = await jsonOf<{ spec: { type: string; ports: { nodePort?: number }[]; clusterIP: string } }>(
    ["get", "service", "web", "-n", ns],
  );
  assert.equal(service.spec.type, "NodePort");
  assert.ok(service.spec.ports[0]!.nodePort, "a node port was assigned anew");
  assert.equal(
    await kubectl(["get", "configmap", "settings", "-n", ns, "-o", "jsonpath={.data.color}"]),
    "blue",
  );
  const secret = await kubectl(["get", "secret", "password", "-n", ns, "-o", "jsonpath={.data.password}"]);
  assert.equal(Buffer.from(secret, "base64").toString(), "hunter2");
  await kubectl(["get", "serviceaccount", "robot", "-n", ns]);
  await kubectl(["get", "role", "reader", "-n", ns]);
  const binding = await jsonOf<{ subjects: { namespace: string }[] }>([
    "get",
    "rolebinding",
    "robot-reads",
    "-n",
    ns,
  ]);
  assert.equal(
    binding.subjects[0]!.namespace,
    ns,
    "the ServiceAccount subject points into the restored namespace",
  );
  assert.equal(
    await kubectl(["get", `widgets${id}.example.com`, "gadget", "-n", ns, "-o", "jsonpath={.spec.size}"]),
    "3",
  );
  const volume = await jsonOf<{ spec: { claimRef: { namespace: string; name: string } } }>(["get", "pv", pv]);
  assert.deepEqual([volume.spec.claimRef.namespace, volume.spec.claimRef.name], [ns, "data"]);
  await waitUntil(`claim data in ${ns} to bind to ${pv}`, 60_000, async () => {
    const claim = await jsonOf<{ spec: { volumeName?: string }; status: { phase: string } }>([
      "get",
      "pvc",
      "data",
      "-n",
      ns,
    ]);
    return claim.status.phase === "Bound" && claim.spec.volumeName === pv;
  });
  await waitAvailable(ns, "web");
}

test("back up an application, delete it, restore it into a mapped namespace, then into its own", async (t) => {
  const id = suffix();
  const source = await testNamespace(t, "app");
  const mapped = `${source}-copy`;
  const { crd, pv } = await application(source, id);
  cleanup(t, [
    ["namespace", mapped],
    ["pv", pv],
    ["crd", crd],
  ]);
  const backup = `app-${id}`;
  const made = await velero(["backup", "create", backup, "--include-namespaces", source, "--wait"]);
  assert.match(made.stdout, /Backup completed with status: Completed/, made.stderr);

  // A disaster: the namespace, its volume and the CRD are gone.
  await deleteNamespace(source);
  await kubectl(["delete", "pv", pv, "--wait=true"]);
  await kubectl(["delete", "crd", crd, "--wait=true"]);

  const preview = await velero([
    "restore",
    "create",
    `preview-${id}`,
    "--from-backup",
    backup,
    "--namespace-mappings",
    `${source}:${mapped}`,
    "--dry-run",
    "-o",
    "json",
  ]);
  assert.equal(preview.code, 0, preview.stderr);
  const plan = JSON.parse(preview.stdout) as {
    counts: Record<string, number>;
    items: { groupResource: string; namespace?: string; name: string; action: string }[];
  };
  assert.ok(
    plan.items.some(
      (i) => i.groupResource === "deployments.apps" && i.namespace === mapped && i.action === "create",
    ),
  );
  assert.equal(
    plan.items[0]!.groupResource,
    "customresourcedefinitions.apiextensions.k8s.io",
    "CRDs come first",
  );
  assert.equal(plan.counts.fail, 0);
  await assert.rejects(kubectl(["get", "namespace", mapped]), "the dry run created nothing");
  assert.equal((await velero(["restore", "get", `preview-${id}`])).code, 1, "nor a Restore");

  const first = `into-copy-${id}`;
  const restored = await velero([
    "restore",
    "create",
    first,
    "--from-backup",
    backup,
    "--namespace-mappings",
    `${source}:${mapped}`,
    "--wait",
  ]);
  assert.match(
    restored.stdout,
    /Restore completed with status: Completed/,
    `${restored.stdout}\n${restored.stderr}`,
  );
  await checkRestored(mapped, pv, id, first);
  const { resources } = await restoreFiles(first);
  assert.ok(resources["apps/v1/Deployment"]?.includes(`${mapped}/web(created)`));
  assert.ok(resources["v1/PersistentVolume"]?.includes(`${pv}(created)`));
  const described = await velero(["restore", "describe", first, "--details"]);
  assert.match(described.stdout, /Phase:\s+Completed/);
  assert.match(described.stdout, new RegExp(`Namespace mappings:\\s+${source}=${mapped}`));
  assert.match(described.stdout, /Existing Resource Policy:\s+<none>/);
  assert.match(described.stdout, /Items: \d+ created/);
  assert.match((await velero(["restore", "logs", first])).stdout, /level=info msg="created deployments.apps/);
  assert.match((await velero(["restore", "get"])).stdout, new RegExp(`${first}\\s+${backup}\\s+Completed`));

  // The same restore into the original namespace, after the copy and its volume are deleted.
  await deleteNamespace(mapped);
  await kubectl(["delete", "pv", pv, "--wait=true"]);
  const second = `in-place-${id}`;
  const again = await velero(["restore", "create", second, "--from-backup", backup, "--wait"]);
  assert.match(again.stdout, /Restore completed with status: Completed/, `${again.stdout}\n${again.stderr}`);
  await checkRestored(source, pv, id, second);

  // Restoring onto what is there skips every object, and frees nothing it should not.
  const third = `over-${id}`;
  const over = await velero(["restore", "create", third, "--from-backup", backup, "--wait"]);
  assert.match(over.stdout, /Restore completed with status: Completed/);
  const overList = (await restoreFiles(third)).resources;
  assert.ok(overList["apps/v1/Deployment"]?.includes(`${source}/web(skipped)`));

  const deleted = await velero(["restore", "delete", third, "--confirm"]);
  assert.equal(deleted.code, 0, deleted.stderr);
  await assert.rejects(fs.access(path.join(storageDir(), "restores", third)));
  assert.equal((await velero(["restore", "get", third])).code, 1);
});

test("a released Retain volume is bound again to its claim restored in place", async (t) => {
  const id = suffix();
  const ns = await testNamespace(t, "rel");
  const { crd, pv } = await application(ns, id);
  cleanup(t, [
    ["pv", pv],
    ["crd", crd],
  ]);
  const backup = `rel-${id}`;
  assert.match(
    (await velero(["backup", "create", backup, "--include-namespaces", ns, "--wait"])).stdout,
    /Completed/,
  );
  await deleteNamespace(ns);
  await waitUntil(
    "the volume to be released",
    60_000,
    async () => (await kubectl(["get", "pv", pv, "-o", "jsonpath={.status.phase}"])) === "Released",
  );
  const restore = `rel-${id}`;
  const done = await velero(["restore", "create", restore, "--from-backup", backup, "--wait"]);
  assert.match(done.stdout, /Restore completed with status: Completed/, done.stderr);
  assert.ok((await restoreFiles(restore)).resources["v1/PersistentVolume"]?.includes(`${pv}(updated)`));
  await waitUntil(
    "the claim to bind to its old volume",
    60_000,
    async () =>
      (await kubectl([
        "get",
        "pvc",
        "data",
        "-n",
        ns,
        "-o",
        "jsonpath={.status.phase}/{.spec.volumeName}",
      ])) === `Bound/${pv}`,
  );
});

test("namespace mapping reaches the pods that Endpoints and EndpointSlices point at", async (t) => {
  const ns = await testNamespace(t, "endpoints");
  const target = `${ns}-m`;
  t.after(() => deleteNamespace(target));
  const targetRef = { kind: "Pod", name: "db-0", namespace: ns };
  // A Service without a selector: its Endpoints and EndpointSlice are the user's, not a controller's.
  await kubectl(
    ["apply", "-n", ns, "-f", "-"],
    JSON.stringify({
      apiVersion: "v1",
      kind: "List",
      items: [
        { apiVersion: "v1", kind: "Service", metadata: { name: "db" }, spec: { ports: [{ port: 5432 }] } },
        {
          apiVersion: "v1",
          kind: "Endpoints",
          metadata: { name: "db" },
          subsets: [{ addresses: [{ ip: "10.1.2.3", targetRef }], ports: [{ port: 5432 }] }],
        },
        {
          apiVersion: "discovery.k8s.io/v1",
          kind: "EndpointSlice",
          metadata: { name: "db-manual", labels: { "kubernetes.io/service-name": "db" } },
          addressType: "IPv4",
          endpoints: [{ addresses: ["10.1.2.3"], targetRef }],
          ports: [{ port: 5432 }],
        },
      ],
    }),
  );
  const backup = `endpoints-${randomBytes(3).toString("hex")}`;
  assert.equal((await velero(["backup", "create", backup, "--include-namespaces", ns, "--wait"])).code, 0);
  const restored = await velero([
    "restore",
    "create",
    "--from-backup",
    backup,
    "--namespace-mappings",
    `${ns}:${target}`,
    "--wait",
  ]);
  assert.match(restored.stdout, /Restore completed with status: Completed/, restored.stderr);
  assert.equal(
    await kubectl([
      "get",
      "endpoints",
      "db",
      "-n",
      target,
      "-o",
      "jsonpath={.subsets[0].addresses[0].targetRef.namespace}",
    ]),
    target,
  );
  assert.equal(
    await kubectl([
      "get",
      "endpointslice",
      "db-manual",
      "-n",
      target,
      "-o",
      "jsonpath={.endpoints[0].targetRef.namespace}",
    ]),
    target,
  );
});

test("--from-schedule --dry-run previews the schedule's latest completed backup", async (t) => {
  const ns = await testNamespace(t, "sched");
  const schedule = `nightly-${randomBytes(3).toString("hex")}`;
  const backups = [`${schedule}-1`, `${schedule}-2`];
  await kubectl(["create", "configmap", "first", "-n", ns, "--from-literal=v=1"]);
  for (const [i, backup] of backups.entries()) {
    if (i === 1) await kubectl(["create", "configmap", "second", "-n", ns, "--from-literal=v=1"]);
    assert.equal((await velero(["backup", "create", backup, "--include-namespaces", ns, "--wait"])).code, 0);
    await kubectl([
      "label",
      "backups.velero.io",
      backup,
      "-n",
      "velero",
      `velero.io/schedule-name=${schedule}`,
    ]);
  }
  const preview = await velero([
    "restore",
    "create",
    "--from-schedule",
    schedule,
    "--namespace-mappings",
    `${ns}:${ns}-m`,
    "--dry-run",
    "-o",
    "json",
  ]);
  assert.equal(preview.code, 0, preview.stderr);
  const plan = JSON.parse(preview.stdout) as { items: { groupResource: string; name: string }[] };
  assert.deepEqual(
    plan.items
      .filter((i) => i.groupResource === "configmaps" && i.name !== "kube-root-ca.crt")
      .map((i) => i.name)
      .sort(),
    ["first", "second"],
  );
  const none = await velero(["restore", "create", "--from-schedule", `${schedule}-never`, "--dry-run"]);
  assert.equal(none.code, 1);
  assert.match(none.stderr, new RegExp(`no completed backups found for schedule ${schedule}-never`));
});
