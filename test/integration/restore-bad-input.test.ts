import assert from "node:assert/strict";
import { test } from "node:test";
import { craftedArchive } from "../archives.js";
import { applyRestore, archiveItem as item, failsValidation, finished, id, plantBackup } from "./restores.js";
import { kubectl } from "./support.js";
import { velero } from "./velero.js";

test("a spec that cannot be restored fails validation with a message that says what to change", async () => {
  await failsValidation({ backupName: `missing-${id()}` }, /backup "missing-\w+" does not exist/);
  await failsValidation(
    {},
    /Either a backup or schedule must be specified as a source for the restore, but not both/,
  );
  await failsValidation(
    { backupName: "a", scheduleName: "b" },
    /Either a backup or schedule must be specified/,
  );
  await failsValidation(
    { backupName: "a", namespaceMapping: { x: "same", y: "same" } },
    /"x" and "y" are all mapped to "same"/,
  );
  await failsValidation(
    {
      backupName: "a",
      labelSelector: { matchLabels: { a: "b" } },
      orLabelSelectors: [{ matchLabels: { c: "d" } }],
    },
    /encountered labelSelector as well as orLabelSelectors in restore spec, only one can be specified/,
  );
  await failsValidation(
    { backupName: "a", includedResources: ["nodes"] },
    /nodes are non-restorable resources/,
  );
});

test("a bad policy, an override of an unknown resource and --prune with nothing to prune fail validation", async () => {
  await failsValidation(
    { backupName: "a", existingResourcePolicy: "sometimes" as never },
    /existing-resource-policy has invalid value, it accepts only none, update, recreate as value/,
  );
  await failsValidation(
    {
      backupName: "a",
      existingResourcePolicyOverrides: { often: { includedResources: ["secrets"] } } as never,
    },
    /existingResourcePolicyOverrides has invalid policy "often": use none, update, recreate/,
  );
  const name = `policy-${id()}`;
  const ns = `never-${id()}`;
  const configMap = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "c", namespace: ns },
    data: { a: "1" },
  };
  await plantBackup(
    name,
    craftedArchive([
      item("metadata/version", "1.1.0\n"),
      item(`resources/configmaps/namespaces/${ns}/c.json`, configMap),
    ]),
  );
  await failsValidation(
    { backupName: name, existingResourcePolicyOverrides: { update: { includedResources: ["gizmos"] } } },
    new RegExp(`override names gizmos, which neither the cluster serves nor backup ${name} holds`),
  );
  await failsValidation(
    { backupName: name, prune: true },
    /prune: no object in the restore's scope carries the velero.io\/restore-name label of an earlier restore/,
  );
  await assert.rejects(kubectl(["get", "namespace", ns]), /NotFound/, "nothing was written");
});

test("a backup that did not complete is refused", async () => {
  const name = `failed-${id()}`;
  await plantBackup(name, craftedArchive([item("metadata/version", "1.1.0\n")]), "Failed");
  await failsValidation(
    { backupName: name },
    new RegExp(`backup "${name}" is Failed: only a Completed or PartiallyFailed backup can be restored`),
  );
});

test("the CLI refuses malformed flags and creates nothing", async () => {
  const name = `cli-${id()}`;
  const mapping = await velero([
    "restore",
    "create",
    name,
    "--from-backup",
    "b",
    "--namespace-mappings",
    "a:b:c",
  ]);
  assert.equal(mapping.code, 1);
  assert.match(mapping.stderr, /invalid namespace mapping "a:b:c": write each as source:target/);
  const both = await velero(["restore", "create", name, "--from-backup", "b", "--from-schedule", "s"]);
  assert.match(both.stderr, /either --from-backup or --from-schedule must be given, but not both/);
  const selectors = await velero([
    "restore",
    "create",
    name,
    "--from-backup",
    "b",
    "-l",
    "a=b",
    "--or-selector",
    "c=d",
  ]);
  assert.match(selectors.stderr, /--selector and --or-selector cannot be used together/);
  const policy = await velero([
    "restore",
    "create",
    name,
    "--from-backup",
    "b",
    "--existing-resource-policy",
    "sometimes",
  ]);
  assert.match(
    policy.stderr,
    /existing-resource-policy has invalid value, it accepts only none, update, recreate as value/,
  );
  const override = (...values: string[]) =>
    velero([
      "restore",
      "create",
      name,
      "--from-backup",
      "b",
      ...values.flatMap((v) => ["--existing-resource-policy-override", v]),
    ]);
  assert.match((await override("secrets")).stderr, /"secrets" is not RESOURCE=POLICY, e.g. secrets=none/);
  assert.match((await override("secrets=often")).stderr, /accepts only none, update, recreate as value/);
  assert.match(
    (await override("secrets=none", "secrets=update")).stderr,
    /names secrets twice \(none and update\): give each resource one policy/,
  );
  assert.equal((await velero(["restore", "get", name])).code, 1, "no Restore was created");
});

test("an archive with an unsafe entry fails validation and nothing is written", async () => {
  for (const [what, entry] of [
    ["dotdot", item("resources/configmaps/namespaces/../../../evil.json", { kind: "ConfigMap" })],
    ["absolute", item("/etc/evil.json", {})],
    [
      "link",
      {
        path: "resources/configmaps/namespaces/x/link.json",
        type: "SymbolicLink" as const,
        linkpath: "/etc/passwd",
      },
    ],
  ] as const) {
    const ns = `unsafe-${what}-${id()}`;
    const name = `unsafe-${what}-${id()}`;
    await plantBackup(
      name,
      craftedArchive([
        item("metadata/version", "1.1.0\n"),
        item(`resources/configmaps/namespaces/${ns}/first.json`, {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: "first", namespace: ns },
        }),
        entry,
      ]),
    );
    await failsValidation({ backupName: name }, /unsafe entry/);
    await assert.rejects(kubectl(["get", "namespace", ns]), `nothing of ${what} was written`);
  }
});

test("an item that is not JSON or that the API server rejects fails alone; the rest is restored", async (t) => {
  const ns = `partial-${id()}`;
  t.after(() => kubectl(["delete", "namespace", ns, "--ignore-not-found", "--wait=false"]));
  const name = `partial-${id()}`;
  await plantBackup(
    name,
    craftedArchive([
      item("metadata/version", "1.1.0\n"),
      item(`resources/namespaces/cluster/${ns}.json`, {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: ns },
      }),
      item(`resources/configmaps/namespaces/${ns}/good.json`, {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "good", namespace: ns },
        data: { a: "1" },
      }),
      item(`resources/configmaps/namespaces/${ns}/broken.json`, "{this is not json"),
      item(`resources/services/namespaces/${ns}/rejected.json`, {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "rejected", namespace: ns },
        spec: { ports: [{ port: 0 }] },
      }),
    ]),
  );
  const restore = `partial-${id()}`;
  await applyRestore(restore, { backupName: name });
  const done = await finished(restore);
  assert.equal(done.status?.phase, "PartiallyFailed");
  assert.equal(done.status?.errors, 2);
  assert.equal(await kubectl(["get", "configmap", "good", "-n", ns, "-o", "jsonpath={.data.a}"]), "1");
  const described = await velero(["restore", "describe", restore]);
  assert.match(described.stdout, /Phase:\s+PartiallyFailed \(run 'velero-ts restore logs/);
  assert.match(
    described.stdout,
    new RegExp(`${ns}:\\n\\s+error restoring configmaps/${ns}/broken: the backup's copy is not valid JSON`),
  );
  assert.match(described.stdout, new RegExp(`error restoring services/${ns}/rejected: .*port`));
  assert.match(described.stdout, /Items: 2 created, 0 updated, 0 recreated, 0 skipped, 0 pruned, 2 failed/);
});
