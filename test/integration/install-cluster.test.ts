import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { V1CustomResourceDefinition, V1Deployment } from "@kubernetes/client-node";
import { INVALID, SAMPLES } from "../unit/install-samples.js";
import { kubeconfigPath, kubectl, testNamespace } from "./support.js";

const run = promisify(execFile);
const BIN = fileURLToPath(new URL("../../../bin/velero-ts.js", import.meta.url));
const CRDS = SAMPLES.map((s) => s.resource);

async function install(namespace: string, storePath: string): Promise<string[]> {
  const { stdout } = await run(process.execPath, [
    BIN,
    "install",
    "--kubeconfig",
    kubeconfigPath(),
    "--namespace",
    namespace,
    "--provider",
    "filesystem",
    "--bucket",
    "backups",
    "--backup-location-config",
    `path=${storePath}`,
    "--no-secret",
  ]);
  return stdout.trim().split("\n");
}

/** kubectl's outcome rather than an exception, to look at refusals. */
async function kubectlResult(args: string[], input?: string): Promise<{ ok: boolean; stderr: string }> {
  try {
    await kubectl(args, input);
    return { ok: true, stderr: "" };
  } catch (err) {
    return { ok: false, stderr: (err as { stderr: string }).stderr };
  }
}

async function getJson<T>(args: string[]): Promise<T> {
  return JSON.parse(await kubectl([...args, "-o", "json"])) as T;
}

interface Bsl {
  metadata: { labels: Record<string, string> };
  spec: Record<string, unknown>;
  status?: Record<string, unknown>;
}

test("velero-ts install on a real cluster", async (t) => {
  const ns = await testNamespace(t, "velero");
  t.after(async () => {
    await kubectl(["delete", "clusterrolebinding", `velero-${ns}`, "--ignore-not-found"]);
  });

  const first = await install(ns, "/tmp/velero-ts-store-1");
  await t.test("reports one line per object", () => {
    for (const crd of CRDS) {
      assert.match(
        first.join("\n"),
        new RegExp(`^CustomResourceDefinition/${crd}: (created|already exists, \\w+)$`, "m"),
      );
    }
    assert.ok(first.includes(`Namespace/${ns}: already exists, updated`), first.join("\n"));
    assert.ok(first.includes(`ClusterRoleBinding/velero-${ns}: created`));
    assert.ok(first.includes("BackupStorageLocation/default: created"));
    assert.ok(first.includes("Deployment/velero: created"));
  });

  await t.test("the CRDs are Established and labelled component=velero", async () => {
    const crds = await getJson<{ items: V1CustomResourceDefinition[] }>(["get", "crd", ...CRDS]);
    assert.equal(crds.items.length, CRDS.length);
    for (const crd of crds.items) {
      assert.equal(crd.metadata?.labels?.component, "velero");
      const established = crd.status?.conditions?.find((c) => c.type === "Established");
      assert.equal(established?.status, "True");
    }
  });

  await t.test("kubectl get bsl shows the default location", async () => {
    const bsl = await getJson<Bsl>(["get", "bsl", "-n", ns, "default"]);
    assert.deepEqual(bsl.spec, {
      provider: "filesystem",
      objectStorage: { bucket: "backups" },
      config: { path: "/tmp/velero-ts-store-1" },
      default: true,
      accessMode: "ReadWrite",
    });
    assert.equal(bsl.metadata.labels.component, "velero");
    const table = await kubectl(["get", "bsl", "-n", ns]);
    assert.match(table, /NAME +PHASE +LAST VALIDATED +ACCESS MODE +DEFAULT +AGE/);
    assert.match(table, /default +ReadWrite +true/);
  });

  await t.test("the server runs as the velero ServiceAccount, bound to cluster-admin", async () => {
    const deployment = await getJson<V1Deployment>(["get", "deployment", "-n", ns, "velero"]);
    assert.equal(deployment.spec?.template.spec?.serviceAccountName, "velero");
    const crb = await getJson<{ roleRef: { name: string }; subjects: unknown[] }>([
      "get",
      "clusterrolebinding",
      `velero-${ns}`,
    ]);
    assert.equal(crb.roleRef.name, "cluster-admin");
    assert.deepEqual(crb.subjects, [{ kind: "ServiceAccount", name: "velero", namespace: ns }]);
  });

  await t.test(
    "installing again is harmless: specs follow the flags, the cluster's status stays",
    async () => {
      const status = { phase: "Available", lastValidationTime: "2026-01-02T03:04:05Z" };
      await kubectl(["patch", "bsl", "-n", ns, "default", "--type=merge", "-p", JSON.stringify({ status })]);

      const again = await install(ns, "/tmp/velero-ts-store-2");
      assert.ok(
        again.every(
          (line) =>
            /: already exists, (updated|unchanged)$/.test(line) || line.startsWith("velero-ts is installed"),
        ),
        again.join("\n"),
      );
      assert.ok(again.includes("BackupStorageLocation/default: already exists, updated"));
      assert.ok(again.includes("Deployment/velero: already exists, unchanged"));

      const bsl = await getJson<Bsl>(["get", "bsl", "-n", ns, "default"]);
      assert.deepEqual(bsl.spec.config, { path: "/tmp/velero-ts-store-2" });
      assert.deepEqual(bsl.status, status);
    },
  );

  await t.test("the API server refuses objects of the wrong shape, naming the field", async () => {
    for (const [i, bad] of INVALID.entries()) {
      const object = {
        apiVersion: "velero.io/v1",
        kind: bad.kind,
        metadata: { name: `bad-${i}`, namespace: ns },
        spec: bad.spec,
      };
      const result = await kubectlResult(["create", "--validate=strict", "-f", "-"], JSON.stringify(object));
      assert.equal(result.ok, false, `${bad.kind} ${JSON.stringify(bad.spec)} was accepted`);
      assert.ok(result.stderr.includes(bad.field), `${bad.field} in: ${result.stderr}`);
    }
  });

  await t.test(
    "the API server keeps every field of full objects of every kind, Velero's own included",
    async () => {
      for (const sample of SAMPLES) {
        const name = `full-${sample.kind.toLowerCase()}`;
        const object = {
          apiVersion: sample.apiVersion ?? "velero.io/v1",
          kind: sample.kind,
          metadata: { name, namespace: ns },
          spec: sample.spec,
        };
        // Strict: a field the schema does not know is an error, not silently dropped.
        await kubectl(["create", "--validate=strict", "-f", "-"], JSON.stringify(object));
        await kubectl([
          "patch",
          sample.resource,
          "-n",
          ns,
          name,
          "--type=merge",
          "-p",
          JSON.stringify({ status: sample.status }),
        ]);
        const stored = await getJson<{ spec: unknown; status: unknown }>([
          "get",
          sample.resource,
          "-n",
          ns,
          name,
        ]);
        assert.deepEqual(stored.spec, sample.spec, `${sample.kind} spec`);
        assert.deepEqual(stored.status, sample.status, `${sample.kind} status`);
      }
    },
  );
});

test("velero-ts uninstall removes the namespace and the binding, keeping the CRDs another install uses", async (t) => {
  const ns = `uninstall-${Math.random().toString(36).slice(2, 8)}`;
  t.after(async () => {
    await kubectl(["delete", "namespace", ns, "--ignore-not-found", "--wait=false"]);
    await kubectl(["delete", "clusterrolebinding", `velero-${ns}`, "--ignore-not-found"]);
  });
  await install(ns, "/tmp/velero-ts-store-uninstall");
  const uninstall = ["uninstall", "--kubeconfig", kubeconfigPath(), "--namespace", ns];

  await t.test("without --force and no terminal to ask on, nothing is deleted", async () => {
    const refused = await run(process.execPath, [BIN, ...uninstall]).then(
      () => "",
      (err: { stderr: string }) => err.stderr,
    );
    assert.match(refused, /refusing to delete without confirmation: add --force/);
    assert.match(await kubectl(["get", "namespace", ns, "-o", "name"]), new RegExp(`namespace/${ns}`));
  });

  await t.test("with --force, the namespace and the ClusterRoleBinding are gone", async () => {
    const { stdout } = await run(process.execPath, [BIN, ...uninstall, "--force"]);
    assert.match(stdout, new RegExp(`Velero namespace "${ns}" deleted`));
    assert.match(stdout, /Velero CRDs kept: velero-ts is also installed in namespace velero/);
    assert.match(stdout, /Velero uninstalled ⛵/);
    assert.equal(await kubectl(["get", "namespace", ns, "--ignore-not-found", "-o", "name"]), "");
    assert.equal(
      await kubectl(["get", "clusterrolebinding", `velero-${ns}`, "--ignore-not-found", "-o", "name"]),
      "",
    );
  });

  await t.test("the CRDs the test cluster's own install uses are still served", async () => {
    const crds = await getJson<{ items: V1CustomResourceDefinition[] }>(["get", "crd", ...CRDS]);
    assert.equal(crds.items.length, CRDS.length);
  });

  await t.test("uninstalling again says what is already gone", async () => {
    const { stdout } = await run(process.execPath, [BIN, ...uninstall, "--force"]);
    assert.match(stdout, new RegExp(`Velero namespace "${ns}" does not exist, skipping.`));
    assert.match(stdout, new RegExp(`Velero ClusterRoleBinding "velero-${ns}" does not exist, skipping.`));
  });
});
