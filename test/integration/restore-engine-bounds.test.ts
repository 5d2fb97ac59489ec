// The restore engine, run in the test against the test cluster: what it reports when the API
// server's answers are lost, and how much of a backup it reads and keeps.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Restore } from "../../src/api/v1/index.js";
import { backupAndStore } from "../../src/cli/backup/store-of.js";
import { KubeClient, type RequestOptions } from "../../src/kube/client.js";
import { VeleroClient } from "../../src/kube/velero-client.js";
import { DEFAULT_RESTORE_LIMITS } from "../../src/restore/limits.js";
import { DEFAULT_RESTORE_PRIORITIES } from "../../src/restore/priorities.js";
import { loadAndPlan, runRestore } from "../../src/restore/restorer.js";
import { RestoreValidationError } from "../../src/restore/validation.js";
import { craftedArchive } from "../archives.js";
import { archiveItem, id, plantBackup } from "./restores.js";
import { kubeConfig, kubectl, testNamespace } from "./support.js";
import { restoreFiles, velero } from "./velero.js";

/** Every create reaches the API server, but its answer is lost: the client sends it again. */
class LostAnswers extends KubeClient {
  override async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    if (method === "POST") await super.request(method, path, options);
    return super.request<T>(method, path, options);
  }
}

function restoreOf(backupName: string, spec: Partial<Restore["spec"]> = {}): Restore {
  return {
    apiVersion: "velero.io/v1",
    kind: "Restore",
    metadata: { name: `engine-${id()}`, namespace: "velero" },
    spec: { backupName, ...spec },
  };
}

const deps = {
  priorities: DEFAULT_RESTORE_PRIORITIES,
  limits: DEFAULT_RESTORE_LIMITS,
  concurrency: 4,
  terminatingTimeoutMs: 10_000,
};

test("a create whose answer was lost, retried into AlreadyExists, counts as created by this restore", async (t) => {
  const ns = await testNamespace(t, "lost");
  for (const name of ["a", "b", "c"])
    await kubectl(["create", "configmap", name, "-n", ns, "--from-literal=v=1"]);
  const backup = `lost-${id()}`;
  assert.equal((await velero(["backup", "create", backup, "--include-namespaces", ns, "--wait"])).code, 0);
  const target = `${ns}-copy`;
  t.after(() => kubectl(["delete", "namespace", target, "--ignore-not-found", "--wait=false"]));

  const client = new LostAnswers(kubeConfig());
  const { store } = await backupAndStore(new VeleroClient(client, "velero"), backup);
  const restore = restoreOf(backup, { includedNamespaces: [ns], namespaceMapping: { [ns]: target } });
  const status = await runRestore(restore, { ...deps, client, store });
  client.close();
  assert.equal(status.phase, "Completed");
  const { resources } = await restoreFiles(restore.metadata.name!);
  assert.deepEqual(resources["v1/ConfigMap"]?.filter((line) => !line.includes("kube-root-ca.crt")).sort(), [
    `${target}/a(created)`,
    `${target}/b(created)`,
    `${target}/c(created)`,
  ]);
  assert.deepEqual(resources["v1/Namespace"], [`${target}(created)`]);
});

test("an archive that decompresses past --restore-archive-size-limit fails validation, naming the flag", async () => {
  const ns = `bomb-${id()}`;
  const name = `bomb-${id()}`;
  await plantBackup(
    name,
    craftedArchive([
      archiveItem("metadata/version", "1.1.0\n"),
      archiveItem(`resources/configmaps/namespaces/${ns}/c.json`, {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "c", namespace: ns },
      }),
      { path: "notes/zeros.bin", type: "File", body: Buffer.alloc(8 << 20) },
    ]),
  );
  const client = new KubeClient(kubeConfig());
  const { store } = await backupAndStore(new VeleroClient(client, "velero"), name);
  const limits = { ...DEFAULT_RESTORE_LIMITS, archiveMaxBytes: 4 << 20 };
  await assert.rejects(runRestore(restoreOf(name), { ...deps, limits, client, store }), (err: unknown) => {
    assert.ok(err instanceof RestoreValidationError);
    assert.equal(
      err.message,
      `backup ${name} cannot be restored: backup archive decompresses to more than 4194304 bytes, the server's --restore-archive-size-limit (4Mi): raise it to restore this backup`,
    );
    return true;
  });
  client.close();
  await assert.rejects(kubectl(["get", "namespace", ns]), /NotFound/, "nothing was written");
});

test("a restore's temporary spool holds each item of the backup once, however it is planned", async (t) => {
  const ns = await testNamespace(t, "once");
  for (let i = 0; i < 20; i++) {
    await kubectl(["create", "configmap", `c${i}`, "-n", ns, `--from-literal=v=${"x".repeat(1000)}`]);
  }
  const backup = `once-${id()}`;
  assert.equal((await velero(["backup", "create", backup, "--include-namespaces", ns, "--wait"])).code, 0);
  const client = new KubeClient(kubeConfig());
  const { store } = await backupAndStore(new VeleroClient(client, "velero"), backup);
  const restore = restoreOf(backup, { includedNamespaces: [ns], namespaceMapping: { [ns]: `${ns}-never` } });
  const { index, plan } = await loadAndPlan(restore, { ...deps, client, store }, { dryRun: true });
  const indexed = index.spool.size;
  let items = 0;
  for await (const tier of plan.chunks()) items += tier.steps.length;
  const planned = index.spool.size;
  await index.spool.remove();
  client.close();
  assert.equal(items, index.itemCount, "every item of the backup is planned");
  assert.equal(planned, indexed, "planning added nothing to the spool");
});
