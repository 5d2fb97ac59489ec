import assert from "node:assert/strict";
import { test } from "node:test";
import { CoreV1Api } from "@kubernetes/client-node";
import { kubeConfig, kubectl } from "./support.js";

interface NodeList {
  items: { metadata: { name: string }; status: { conditions: { type: string; status: string }[] } }[];
}

test("kubectl get nodes shows the simulated nodes Ready", async () => {
  const nodes = JSON.parse(await kubectl(["get", "nodes", "-o", "json"])) as NodeList;
  const ready = nodes.items.filter((n) =>
    n.status.conditions.some((c) => c.type === "Ready" && c.status === "True"),
  );
  assert.deepEqual(ready.map((n) => n.metadata.name).sort(), ["local-node-1", "local-node-2"]);
});

test("@kubernetes/client-node talks to the real API server", async () => {
  const core = kubeConfig().makeApiClient(CoreV1Api);
  const namespaces = await core.listNamespace();
  const names = namespaces.items.map((n) => n.metadata?.name);
  for (const ns of ["default", "kube-system", "kube-node-lease"])
    assert.ok(names.includes(ns), `${ns} exists`);
  const version = await kubectl(["version", "-o", "json"]);
  assert.match(
    version,
    /"gitVersion": "v1\.36\.\d+"/,
    "the server is the Kubernetes release built from the Go module",
  );
});
