import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { runCli } from "../cli.js";

const PACKAGE = JSON.parse(await fs.readFile(new URL("../../../package.json", import.meta.url), "utf8")) as {
  version: string;
};

const cli = runCli;

test("--help lists the commands", async () => {
  const { code, stdout } = await cli(["--help"]);
  assert.equal(code, 0);
  assert.match(stdout, /Usage: velero-ts/);
  assert.match(stdout, /version/);
  assert.match(stdout, /local-cluster/);
});

test("version --client-only prints the package version and asks no server", async () => {
  const { code, stdout } = await cli(["version", "--client-only", "--kubeconfig", "/nonexistent"]);
  assert.equal(code, 0);
  assert.equal(stdout, `Client:\n\tVersion: ${PACKAGE.version}\n`);
});

test("version with no server answering prints the client and Velero's error line", async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "version-"));
  const kubeconfig = path.join(dir, "kubeconfig");
  await fs.writeFile(
    kubeconfig,
    [
      "apiVersion: v1",
      "kind: Config",
      "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]",
      "users: [{name: u, user: {token: t}}]",
      "contexts: [{name: x, context: {cluster: c, user: u}}]",
      "current-context: x",
    ].join("\n"),
  );
  const { code, stdout } = await cli(["version", "--kubeconfig", kubeconfig, "--timeout", "2s"]);
  assert.equal(code, 0);
  assert.match(
    stdout,
    new RegExp(
      `^Client:\n\tVersion: ${PACKAGE.version.replace(/\./g, "\\.")}\n<error getting server version: .+>\n$`,
    ),
  );
});

test("an unknown command is refused with a non-zero exit", async () => {
  const { code, stderr } = await cli(["bakup"]);
  assert.notEqual(code, 0);
  assert.match(stderr, /unknown command 'bakup'/);
});

test("local-cluster up without Go says what to install and starts nothing", async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "lc-nogo-"));
  const cache = await fs.mkdtemp(path.join(os.tmpdir(), "lc-nogo-cache-"));
  const { code, stderr } = await cli(["local-cluster", "up", "--dir", dir], {
    ...process.env,
    PATH: "/nonexistent",
    VELERO_TS_CACHE_DIR: cache,
  });
  assert.equal(code, 1);
  assert.match(stderr, /Go is not installed/);
  assert.match(stderr, /install Go 1\.26 or later/);
  await assert.rejects(fs.access(path.join(dir, "run")), "no process was started");
});

test("local-cluster up refuses a bad node count", async () => {
  const { code, stderr } = await cli(["local-cluster", "up", "--nodes", "zero"]);
  assert.notEqual(code, 0);
  assert.match(stderr, /--nodes <n>.*must be a whole number/);
});

test("local-cluster status on an empty directory says how to start one", async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "lc-status-"));
  const { code, stdout } = await cli(["local-cluster", "status", "--dir", dir]);
  assert.equal(code, 3);
  assert.match(stdout, /no local cluster in .*: start one with `velero-ts local-cluster up/);
});

test("server refuses a --resource-timeout that is not a duration, naming the flag", async () => {
  const r = await cli(["server", "--resource-timeout", "soon", "--kubeconfig", "/nonexistent"]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^error: --resource-timeout: /m);
});
