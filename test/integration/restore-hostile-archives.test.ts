// Archives crafted by someone with write access to the storage location: an item must never
// reach outside the restore's scope, whatever its JSON says.
import assert from "node:assert/strict";
import { test } from "node:test";
import { craftedArchive } from "../archives.js";
import { applyRestore, archiveItem as item, failsValidation, finished, id, plantBackup } from "./restores.js";
import { kubectl } from "./support.js";
import { restoreFiles } from "./velero.js";

const configMap = (name: string, namespace: string) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace },
  data: { planted: "yes" },
});

async function absent(args: string[], what: string): Promise<void> {
  await assert.rejects(kubectl(["get", ...args]), /NotFound/, `${what} must not exist`);
}

test("an item whose JSON names kube-system is restored into its path's namespace, mapped, with a warning", async (t) => {
  const ns = `hdemo-${id()}`;
  const name = `escape-ns-${id()}`;
  const planted = `planted-${id()}`;
  t.after(() => kubectl(["delete", "namespace", `${ns}-m`, "--ignore-not-found", "--wait=false"]));
  await plantBackup(
    name,
    craftedArchive([
      item("metadata/version", "1.1.0\n"),
      item(`resources/configmaps/namespaces/${ns}/${planted}.json`, configMap(planted, "kube-system")),
    ]),
  );
  const restore = `escape-ns-${id()}`;
  await applyRestore(restore, {
    backupName: name,
    includedNamespaces: [ns],
    excludedNamespaces: ["kube-system"],
    namespaceMapping: { [ns]: `${ns}-m` },
  });
  const done = await finished(restore);
  assert.equal(done.status?.phase, "Completed");
  await absent(["configmap", planted, "-n", "kube-system"], "the ConfigMap in kube-system");
  assert.equal(
    await kubectl(["get", "configmap", planted, "-n", `${ns}-m`, "-o", "jsonpath={.data.planted}"]),
    "yes",
  );
  const { results } = await restoreFiles(restore);
  assert.deepEqual(results.warnings.namespaces?.[`${ns}-m`], [
    `configmaps "${ns}/${planted}": the item names namespace "kube-system", but its archive path files it under "${ns}": restored as the path says`,
  ]);
});

test("a ClusterRoleBinding filed under namespaces/<ns>/ fails and is never created", async (t) => {
  const ns = `hdemo-${id()}`;
  const name = `escape-crb-${id()}`;
  const binding = `planted-admin-${id()}`;
  t.after(() => kubectl(["delete", "namespace", ns, "--ignore-not-found", "--wait=false"]));
  await plantBackup(
    name,
    craftedArchive([
      item("metadata/version", "1.1.0\n"),
      item(`resources/configmaps/namespaces/${ns}/fine.json`, configMap("fine", ns)),
      item(`resources/clusterrolebindings.rbac.authorization.k8s.io/namespaces/${ns}/${binding}.json`, {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        metadata: { name: binding },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
        subjects: [{ kind: "ServiceAccount", name: "default", namespace: ns }],
      }),
    ]),
  );
  const restore = `escape-crb-${id()}`;
  await applyRestore(restore, { backupName: name, includedNamespaces: [ns] });
  const done = await finished(restore);
  assert.equal(done.status?.phase, "PartiallyFailed");
  assert.equal(done.status?.errors, 1);
  await absent(["clusterrolebinding", binding], "the ClusterRoleBinding");
  assert.equal(
    await kubectl(["get", "configmap", "fine", "-n", ns, "-o", "jsonpath={.data.planted}"]),
    "yes",
  );
  const { results } = await restoreFiles(restore);
  assert.deepEqual(results.errors.namespaces?.[ns], [
    `error restoring clusterrolebindings.rbac.authorization.k8s.io/${ns}/${binding}: the cluster serves clusterrolebindings.rbac.authorization.k8s.io as cluster-scoped, but the archive files this item under namespaces/${ns}/`,
  ]);
});

test("a namespaced item filed under cluster/ fails instead of landing in the namespace its JSON names", async () => {
  const name = `escape-cluster-${id()}`;
  const planted = `planted-${id()}`;
  await plantBackup(
    name,
    craftedArchive([
      item("metadata/version", "1.1.0\n"),
      item(`resources/configmaps/cluster/${planted}.json`, configMap(planted, "kube-system")),
    ]),
  );
  const restore = `escape-cluster-${id()}`;
  await applyRestore(restore, {
    backupName: name,
    excludedNamespaces: ["kube-system"],
    includeClusterResources: true,
  });
  const done = await finished(restore);
  assert.equal(done.status?.phase, "PartiallyFailed");
  await absent(["configmap", planted, "-n", "kube-system"], "the ConfigMap in kube-system");
  const { results } = await restoreFiles(restore);
  assert.deepEqual(results.errors.cluster, [
    `error restoring configmaps/${planted}: the cluster serves configmaps as namespaced, but the archive files this item under cluster/`,
  ]);
});

test("an item over --restore-item-size-limit fails validation, naming the limit and the flag", async () => {
  const ns = `big-${id()}`;
  const name = `big-item-${id()}`;
  const path = `resources/configmaps/namespaces/${ns}/big.json`;
  const big = { ...configMap("big", ns), data: { filler: "x".repeat(3.5 * 2 ** 20) } };
  await plantBackup(
    name,
    craftedArchive([
      item("metadata/version", "1.1.0\n"),
      item(`resources/configmaps/namespaces/${ns}/a.json`, configMap("a", ns)),
      item(path, big),
    ]),
  );
  await failsValidation(
    { backupName: name },
    new RegExp(
      `backup ${name} cannot be restored: entry "${path}" in backup archive: entry of \\d+ bytes is over the limit of 3145728 bytes, the server's --restore-item-size-limit \\(3Mi\\); the API server refuses an object over 3 MiB anyway`,
    ),
  );
  await absent(["namespace", ns], "the namespace");
});
