import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { loadKubeConfig } from "../../src/kube/config.js";
import { runCli } from "../cli.js";

const TWO_CONTEXTS = `apiVersion: v1
kind: Config
clusters:
- name: c1
  cluster: { server: "https://127.0.0.1:1" }
users:
- name: u1
  user: { token: t }
contexts:
- name: dev
  context: { cluster: c1, user: u1 }
- name: prod
  context: { cluster: c1, user: u1 }
current-context: dev
`;

async function emptyHome(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), "kc-home-"));
}

const nowhere = { inClusterToken: "/nonexistent/token" };

test("with no kubeconfig anywhere, the error names the three places it looked", async () => {
  const home = await emptyHome();
  assert.throws(
    () => loadKubeConfig(undefined, undefined, { env: {}, home, ...nowhere }),
    new Error(
      `no kubeconfig found: looked at --kubeconfig (not given), $KUBECONFIG (not set) and ${path.join(home, ".kube", "config")} (does not exist): pass --kubeconfig FILE or set KUBECONFIG`,
    ),
  );
});

test("a --kubeconfig file that does not exist is named", () => {
  assert.throws(
    () => loadKubeConfig("/nonexistent/kc.yaml", undefined, nowhere),
    /kubeconfig \/nonexistent\/kc\.yaml \(given with --kubeconfig\) does not exist/,
  );
});

test("a $KUBECONFIG naming only missing files says so", async () => {
  const home = await emptyHome();
  assert.throws(
    () => loadKubeConfig(undefined, undefined, { env: { KUBECONFIG: "/nonexistent/a" }, home, ...nowhere }),
    /no kubeconfig found: \$KUBECONFIG names \/nonexistent\/a, which does not exist/,
  );
});

test("an unknown --kubecontext names the contexts that exist", async () => {
  const home = await emptyHome();
  const file = path.join(home, "kc.yaml");
  await fs.writeFile(file, TWO_CONTEXTS);
  assert.throws(
    () => loadKubeConfig(file, "staging", nowhere),
    new Error(
      `context "staging" does not exist in kubeconfig ${file} (its contexts: dev, prod): pick one with --kubecontext`,
    ),
  );
});

test("a known --kubecontext becomes the current context", async () => {
  const home = await emptyHome();
  const file = path.join(home, "kc.yaml");
  await fs.writeFile(file, TWO_CONTEXTS);
  assert.equal(loadKubeConfig(file, "prod", nowhere).getCurrentContext(), "prod");
});

test("~/.kube/config is used when neither --kubeconfig nor $KUBECONFIG is given", async () => {
  const home = await emptyHome();
  await fs.mkdir(path.join(home, ".kube"));
  await fs.writeFile(path.join(home, ".kube", "config"), TWO_CONTEXTS);
  assert.equal(
    loadKubeConfig(undefined, undefined, { env: {}, home, ...nowhere }).getCurrentContext(),
    "dev",
  );
});

test("the CLI prints the kubeconfig error and exits 1, before any request", async () => {
  const home = await emptyHome();
  const { code, stderr } = await runCli(["backup", "get"], { PATH: process.env.PATH, HOME: home });
  assert.equal(code, 1);
  assert.match(
    stderr,
    /^error: no kubeconfig found: looked at --kubeconfig \(not given\), \$KUBECONFIG \(not set\)/,
  );
});
