// Shared by the integration tests: the test run's cluster, a namespace per test, and waiting.
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import type { TestContext } from "node:test";
import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import { loadKubeConfig } from "../../src/kube/config.js";

const exec = promisify(execFile);

export function clusterDir(): string {
  const dir = process.env.VELERO_TS_TEST_CLUSTER_DIR;
  if (!dir)
    throw new Error("integration tests run against the test run's cluster: start them with `npm test`");
  return dir;
}

export function kubeconfigPath(): string {
  const file = process.env.VELERO_TS_TEST_KUBECONFIG;
  if (!file)
    throw new Error("integration tests run against the test run's cluster: start them with `npm test`");
  return file;
}

export function kubeConfig(): KubeConfig {
  return loadKubeConfig(kubeconfigPath());
}

/** kubectl against the test cluster; resolves with stdout. */
export async function kubectl(args: string[], input?: string): Promise<string> {
  const child = exec("kubectl", ["--kubeconfig", kubeconfigPath(), ...args], { maxBuffer: 64 << 20 });
  if (input !== undefined) {
    child.child.stdin!.end(input);
  }
  return (await child).stdout;
}

/** kubectl's JSON output of a command, parsed. */
export async function jsonOf<T>(args: string[]): Promise<T> {
  return JSON.parse(await kubectl([...args, "-o", "json"])) as T;
}

/** A namespace of the test's own, deleted when the test ends. */
export async function testNamespace(t: TestContext, prefix: string): Promise<string> {
  const core = kubeConfig().makeApiClient(CoreV1Api);
  const name = `${prefix}-${randomBytes(3).toString("hex")}`;
  await core.createNamespace({ body: { metadata: { name } } });
  // Pods need the namespace's default ServiceAccount, which a controller creates.
  await waitUntil(`ServiceAccount default in ${name}`, 30_000, async () => {
    const sas = await core.listNamespacedServiceAccount({ namespace: name });
    return sas.items.some((sa) => sa.metadata?.name === "default");
  });
  t.after(async () => {
    await core.deleteNamespace({ name }).catch(() => undefined);
  });
  return name;
}

/** Polls check() until it returns a truthy value, which it returns. */
export async function waitUntil<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined | false>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs / 1000}s waiting for ${what}${lastError instanceof Error ? `: ${lastError.message}` : ""}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Waits until a CRD is Established, so its custom resources can be created. */
export async function waitForCrd(name: string): Promise<void> {
  await waitUntil(
    `CRD ${name} to be established`,
    30_000,
    async () =>
      (await kubectl([
        "get",
        "crd",
        name,
        "-o",
        "jsonpath={.status.conditions[?(@.type=='Established')].status}",
      ])) === "True",
  );
}

/** Waits until a Deployment has one available replica. */
export async function waitAvailable(ns: string, deployment: string): Promise<void> {
  await waitUntil(
    `deployment ${deployment} in ${ns} to be available`,
    60_000,
    async () =>
      (await kubectl([
        "get",
        "deployment",
        deployment,
        "-n",
        ns,
        "-o",
        "jsonpath={.status.availableReplicas}",
      ])) === "1",
  );
}

/** Sets the finalizers of a ConfigMap; null removes them, so its delete can finish. */
export async function setConfigMapFinalizers(
  ns: string,
  name: string,
  finalizers: string[] | null,
): Promise<void> {
  await kubectl([
    "patch",
    "configmap",
    name,
    "-n",
    ns,
    "--type=merge",
    "-p",
    JSON.stringify({ metadata: { finalizers } }),
  ]);
}

/** Bytes of every file under `dir`. */
export async function bytesUnder(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await fs.readdir(dir, { recursive: true, withFileTypes: true }))
    if (entry.isFile()) total += (await fs.stat(path.join(entry.parentPath, entry.name))).size;
  return total;
}

/** The sha256 of every file under `dir`, by its path under `dir`. */
export async function checksumsUnder(dir: string): Promise<Record<string, string>> {
  const sums: Record<string, string> = {};
  for (const entry of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    sums[path.relative(dir, file)] = createHash("sha256")
      .update(await fs.readFile(file))
      .digest("hex");
  }
  return sums;
}
