import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { kubectl, setConfigMapFinalizers, testNamespace, waitForCrd, waitUntil } from "./support.js";
import { velero } from "./velero.js";

const id = () => randomBytes(3).toString("hex");

const restorePhase = (name: string) =>
  kubectl(["get", "restores.velero.io", name, "-n", "velero", "-o", "jsonpath={.status.phase}"]);

test("a restore into a terminating namespace waits until it is gone, then creates it", async (t) => {
  const ns = await testNamespace(t, "term");
  await kubectl(["create", "configmap", "settings", "-n", ns, "--from-literal=color=blue"]);
  const backup = `term-${id()}`;
  assert.match(
    (await velero(["backup", "create", backup, "--include-namespaces", ns, "--wait"])).stdout,
    /Completed/,
  );
  // A finalizer holds the namespace in Terminating until the test lets it go.
  await kubectl(["create", "configmap", "held", "-n", ns]);
  await setConfigMapFinalizers(ns, "held", ["example.com/hold"]);
  await kubectl(["delete", "namespace", ns, "--wait=false"]);
  await waitUntil(
    "the namespace to be terminating",
    30_000,
    async () => (await kubectl(["get", "namespace", ns, "-o", "jsonpath={.status.phase}"])) === "Terminating",
  );
  const restore = `term-${id()}`;
  assert.equal((await velero(["restore", "create", restore, "--from-backup", backup])).code, 0);
  await waitUntil("the restore to start", 30_000, async () => (await restorePhase(restore)) === "InProgress");
  await new Promise((r) => setTimeout(r, 3000));
  assert.equal(await restorePhase(restore), "InProgress", "still waiting for the namespace");
  await setConfigMapFinalizers(ns, "held", null);
  await waitUntil(
    "the restore to complete",
    90_000,
    async () => (await restorePhase(restore)) === "Completed",
  );
  assert.equal(
    await kubectl(["get", "configmap", "settings", "-n", ns, "-o", "jsonpath={.data.color}"]),
    "blue",
  );
});

test("status is restored for the resources asked for, through the status subresource", async (t) => {
  const suffix = id();
  const crd = `gauges${suffix}.example.com`;
  t.after(() => kubectl(["delete", "crd", crd, "--ignore-not-found", "--wait=false"]));
  await kubectl(
    ["apply", "-f", "-"],
    JSON.stringify({
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: crd },
      spec: {
        group: "example.com",
        scope: "Namespaced",
        names: { plural: `gauges${suffix}`, singular: `gauge${suffix}`, kind: `Gauge${suffix}` },
        versions: [
          {
            name: "v1",
            served: true,
            storage: true,
            subresources: { status: {} },
            schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
          },
        ],
      },
    }),
  );
  await waitForCrd(crd);
  const ns = await testNamespace(t, "status");
  for (const name of ["a", "b"]) {
    await kubectl(
      ["apply", "-n", ns, "-f", "-"],
      JSON.stringify({ apiVersion: "example.com/v1", kind: `Gauge${suffix}`, metadata: { name } }),
    );
    await kubectl([
      "patch",
      crd,
      name,
      "-n",
      ns,
      "--subresource=status",
      "--type=merge",
      "-p",
      '{"status":{"level":7}}',
    ]);
  }
  const backup = `status-${suffix}`;
  assert.match(
    (await velero(["backup", "create", backup, "--include-namespaces", ns, "--wait"])).stdout,
    /Completed/,
  );
  await kubectl(["delete", "namespace", ns, "--wait=true", "--timeout=120s"]);
  const copy = `${ns}-copy`;
  t.after(() => kubectl(["delete", "namespace", copy, "--ignore-not-found", "--wait=false"]));
  const done = await velero([
    "restore",
    "create",
    `status-${suffix}`,
    "--from-backup",
    backup,
    "--namespace-mappings",
    `${ns}:${copy}`,
    "--status-include-resources",
    crd,
    "--wait",
  ]);
  assert.match(done.stdout, /Restore completed with status: Completed/, done.stderr);
  assert.equal(await kubectl(["get", crd, "a", "-n", copy, "-o", "jsonpath={.status.level}"]), "7");
  const plain = `plain-${suffix}`;
  await kubectl(["delete", "namespace", copy, "--wait=true", "--timeout=120s"]);
  assert.match(
    (
      await velero([
        "restore",
        "create",
        plain,
        "--from-backup",
        backup,
        "--namespace-mappings",
        `${ns}:${copy}`,
        "--wait",
      ])
    ).stdout,
    /Completed/,
  );
  assert.equal(
    await kubectl(["get", crd, "a", "-n", copy, "-o", "jsonpath={.status.level}"]),
    "",
    "no status unless asked for",
  );
});
