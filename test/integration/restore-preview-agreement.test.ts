import assert from "node:assert/strict";
import { test } from "node:test";
import type { PlanEntry } from "../../src/restore/plan.js";
import { readRestoreSettings } from "../../src/restore/server-settings.js";
import { DEFAULT_RESTORE_PRIORITIES } from "../../src/restore/priorities.js";
import { KubeClient } from "../../src/kube/client.js";
import { id } from "./restores.js";
import { jsonOf, kubeConfig, kubectl, testNamespace } from "./support.js";
import { restoreFiles, velero } from "./velero.js";

const OUTCOME: Record<string, string> = { create: "created", update: "updated", skip: "skipped" };

/** `Kind ns/name` of a plan entry and of a resource-list line, so the two can be compared. */
const planned = (e: PlanEntry) =>
  `${e.apiVersion}/${e.kind} ${e.namespace ? `${e.namespace}/` : ""}${e.name}`;

test("the preview of a restore into a namespace it creates says what the restore then does, item by item", async (t) => {
  const ns = await testNamespace(t, "agree");
  const copy = `${ns}-copy`;
  t.after(() => kubectl(["delete", "namespace", copy, "--ignore-not-found", "--wait=false"]));
  // The backup's default ServiceAccount holds what the new namespace's own will not: it is merged in.
  await kubectl([
    "patch",
    "serviceaccount",
    "default",
    "-n",
    ns,
    "-p",
    '{"imagePullSecrets":[{"name":"regcred"}]}',
  ]);
  await kubectl(["create", "configmap", "settings", "-n", ns, "--from-literal=mode=fast"]);
  await kubectl(["create", "secret", "generic", "token", "-n", ns, "--from-literal=key=s3cr3t"]);
  const backup = `agree-${id()}`;
  const made = await velero(["backup", "create", backup, "--include-namespaces", ns, "--wait"]);
  assert.equal(made.code, 0, made.stderr);

  const restore = `agree-${id()}`;
  const flags = ["--from-backup", backup, "--namespace-mappings", `${ns}:${copy}`];
  const preview = await velero(["restore", "create", restore, ...flags, "--dry-run", "-o", "json"]);
  assert.equal(preview.code, 0, preview.stderr);
  assert.doesNotMatch(preview.stderr, /no velero-ts server has published/);
  const { items } = JSON.parse(preview.stdout) as { items: PlanEntry[] };
  const byItem = new Map(items.map((e) => [planned(e), e]));
  const sa = byItem.get(`v1/ServiceAccount ${copy}/default`);
  assert.equal(sa?.action, "update");
  assert.match(
    sa?.reason ?? "",
    /merged in \(the namespace's controllers make it when the restore creates the namespace\)/,
  );
  assert.equal(byItem.get(`v1/ConfigMap ${copy}/kube-root-ca.crt`)?.action, "skip");
  assert.equal(byItem.get(`v1/ConfigMap ${copy}/settings`)?.action, "create");

  const real = await velero(["restore", "create", restore, ...flags, "--wait"]);
  assert.equal(real.code, 0, real.stderr);
  const { resources } = await restoreFiles(restore);
  const outcomes = new Map<string, string>();
  for (const [kind, lines] of Object.entries(resources)) {
    for (const line of lines) {
      const [, where, outcome] = /^(.*)\((\w+)\)$/.exec(line)!;
      outcomes.set(`${kind} ${where}`, outcome!);
    }
  }
  const expected = new Map(items.map((e) => [planned(e), OUTCOME[e.action] ?? e.action]));
  assert.deepEqual(Object.fromEntries(outcomes), Object.fromEntries(expected));
  const merged = await jsonOf<{ imagePullSecrets?: { name: string }[] }>([
    "get",
    "serviceaccount",
    "default",
    "-n",
    copy,
  ]);
  assert.deepEqual(merged.imagePullSecrets, [{ name: "regcred" }]);
});

test("the server publishes the restore settings the preview plans with", async () => {
  const settings = await readRestoreSettings(new KubeClient(kubeConfig()), "velero");
  assert.deepEqual(settings?.priorities, DEFAULT_RESTORE_PRIORITIES);
  assert.equal(settings?.limits.itemMaxBytes, 3 * 2 ** 20);
});
