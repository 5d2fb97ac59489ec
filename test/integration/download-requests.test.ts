// DownloadRequests on the test cluster: the CLI reads logs through the server, which serves the
// files of its filesystem location only to the request they were issued for, and deletes
// expired requests; and `version` reports the server's version through a ServerStatusRequest.
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import { test } from "node:test";
import type { DownloadRequest } from "../../src/api/v1/index.js";
import { jsonOf, kubectl, testNamespace, waitUntil } from "./support.js";
import { velero } from "./velero.js";

const PACKAGE = JSON.parse(await fs.readFile(new URL("../../../package.json", import.meta.url), "utf8")) as {
  version: string;
};

async function requestsFor(kind: string, name: string): Promise<DownloadRequest[]> {
  const list = await jsonOf<{ items: DownloadRequest[] }>(["get", "downloadrequests", "-n", "velero"]);
  return list.items.filter((r) => r.spec.target.kind === kind && r.spec.target.name === name);
}

function linkParts(request: DownloadRequest): { base: string; token: string } {
  const url = new URL(request.status!.downloadURL!);
  return { base: url.origin, token: url.pathname.split("/").pop()! };
}

test("DownloadRequests for a filesystem location, served by the server", async (t) => {
  const ns = await testNamespace(t, "dl");
  await kubectl(["create", "configmap", "settings", "-n", ns, "--from-literal=color=blue"]);
  const suffix = ns.slice(3);
  const backup = `dl-${suffix}`;
  const otherBackup = `dl-other-${suffix}`;
  const restore = `dl-r-${suffix}`;
  for (const name of [backup, otherBackup]) {
    const made = await velero(["backup", "create", name, "--include-namespaces", ns, "--wait"]);
    assert.equal(made.code, 0, made.stderr);
  }
  t.after(async () => void (await kubectl(["delete", "namespace", `${ns}-copy`, "--ignore-not-found"])));
  const restored = await velero([
    "restore",
    "create",
    restore,
    "--from-backup",
    backup,
    "--namespace-mappings",
    `${ns}:${ns}-copy`,
    "--wait",
  ]);
  assert.equal(restored.code, 0, restored.stderr);

  await t.test("backup logs reads the log through a DownloadRequest the server Processed", async () => {
    const logs = await velero(["backup", "logs", backup]);
    assert.equal(logs.code, 0, logs.stderr);
    assert.match(logs.stdout, new RegExp(`msg="Setting up backup" backup=velero/${backup}`));
    const [request] = await requestsFor("BackupLog", backup);
    assert.equal(request?.status?.phase, "Processed");
    assert.match(request.status.downloadURL ?? "", /^http:\/\/127\.0\.0\.1:\d+\/download\//);
    const left = Date.parse(request.status.expiration!) - Date.now();
    assert.ok(left > 8 * 60_000 && left <= 10 * 60_000, `expires in about 10 minutes, not ${left}ms`);
  });

  await t.test("restore logs reads the restore's log through a DownloadRequest", async () => {
    const logs = await velero(["restore", "logs", restore]);
    assert.equal(logs.code, 0, logs.stderr);
    assert.match(logs.stdout, new RegExp(`Starting restore of backup velero/${backup}`));
    const [request] = await requestsFor("RestoreLog", restore);
    assert.equal(request?.status?.phase, "Processed");
  });

  await t.test(
    "a link serves its own file, and a forged token for another backup's request is refused",
    async () => {
      await velero(["backup", "logs", otherBackup]);
      const [mine] = await requestsFor("BackupLog", backup);
      const [theirs] = await requestsFor("BackupLog", otherBackup);
      const { base, token } = linkParts(mine!);

      const own = await fetch(mine!.status!.downloadURL!);
      assert.equal(own.status, 200);
      // The bytes are the gzipped log: gzip's magic number.
      assert.deepEqual([...new Uint8Array(await own.arrayBuffer()).slice(0, 2)], [0x1f, 0x8b]);

      const forged = await fetch(`${base}/download/${theirs!.metadata.name}/${token}`);
      assert.equal(forged.status, 403);
      const guessed = await fetch(`${base}/download/${theirs!.metadata.name}/${"A".repeat(token.length)}`);
      assert.equal(guessed.status, 403);
      const unknown = await fetch(`${base}/download/no-such-request/${token}`);
      assert.equal(unknown.status, 404);
    },
  );

  await t.test("an expired DownloadRequest is deleted by the server", async () => {
    const name = `expired-${backup}`;
    await kubectl(
      ["create", "-f", "-"],
      JSON.stringify({
        apiVersion: "velero.io/v1",
        kind: "DownloadRequest",
        metadata: { name, namespace: "velero" },
        spec: { target: { kind: "BackupLog", name: backup } },
        status: {
          phase: "Processed",
          downloadURL: "http://127.0.0.1:1/download/x/y",
          expiration: new Date(Date.now() - 1000).toISOString(),
        },
      }),
    );
    await waitUntil(`DownloadRequest ${name} to be deleted`, 30_000, async () => {
      const left = await kubectl(["get", "downloadrequest", name, "-n", "velero", "--ignore-not-found"]);
      return left.trim() === "";
    });
  });

  await t.test("the link of an expired request no longer serves its file", async () => {
    const [request] = await requestsFor("BackupLog", otherBackup);
    await kubectl([
      "patch",
      "downloadrequest",
      request!.metadata.name!,
      "-n",
      "velero",
      "--type=merge",
      "-p",
      JSON.stringify({ status: { expiration: new Date(Date.now() - 1000).toISOString() } }),
    ]);
    const res = await fetch(request!.status!.downloadURL!);
    assert.ok([404, 410].includes(res.status), `refused, not ${res.status}`);
  });

  await t.test(
    "describe --details reads results and the resource list through DownloadRequests",
    async () => {
      const described = await velero(["backup", "describe", backup, "--details"]);
      assert.equal(described.code, 0, described.stderr);
      assert.match(described.stdout, /Errors: {2}<none>/);
      assert.match(described.stdout, new RegExp(`v1/ConfigMap:\n(?: {4}- .*\n)* {4}- ${ns}/settings\n`));
      assert.equal((await requestsFor("BackupResults", backup))[0]?.status?.phase, "Processed");
      assert.equal((await requestsFor("BackupResourceList", backup))[0]?.status?.phase, "Processed");
    },
  );

  await t.test("with no server working the namespace, logs time out saying so", async () => {
    // A namespace of its own, where no server runs: a finished Backup there is never served.
    await kubectl(
      ["create", "-f", "-"],
      JSON.stringify({
        apiVersion: "velero.io/v1",
        kind: "Backup",
        metadata: { name: "orphan", namespace: ns },
        spec: {},
        status: { phase: "Completed" },
      }),
    );
    const got = await velero(["backup", "logs", "orphan", "-n", ns, "--timeout", "2s"]);
    assert.notEqual(got.code, 0);
    assert.match(
      got.stderr,
      /timed out waiting for download URL: .* within 2s; the server may not be running/,
    );
  });

  await t.test("version prints the test cluster's server version", async () => {
    const got = await velero(["version"]);
    assert.equal(got.code, 0, got.stderr);
    assert.equal(
      got.stdout,
      `Client:\n\tVersion: ${PACKAGE.version}\nServer:\n\tVersion: ${PACKAGE.version}\n`,
    );
  });
});
