import assert from "node:assert/strict";
import { test } from "node:test";
import { DOWNLOAD_TARGET_KINDS, isRestoreTarget, type DownloadRequest } from "../../src/api/v1/index.js";
import {
  DOWNLOAD_URL_TTL_MS,
  checkDownloadLink,
  downloadLink,
  isExpired,
  newDownloadToken,
  parseDownloadPath,
} from "../../src/server/download-links.js";
import { parseAddress } from "../../src/server/download-server.js";
import { downloadTargetKey } from "../../src/storage/keys.js";

const NOW = Date.parse("2026-01-02T03:04:05Z");

function processed(
  name: string,
  url: string,
  expiration = new Date(NOW + 60_000).toISOString(),
): DownloadRequest {
  return {
    apiVersion: "velero.io/v1",
    kind: "DownloadRequest",
    metadata: { name },
    spec: { target: { kind: "BackupLog", name: "nightly" } },
    status: { phase: "Processed", downloadURL: url, expiration },
  };
}

test("each target kind names the file Velero's backup store maps it to", () => {
  const expected: Record<(typeof DOWNLOAD_TARGET_KINDS)[number], string> = {
    BackupLog: "backups/b/b-logs.gz",
    BackupContents: "backups/b/b.tar.gz",
    BackupVolumeSnapshots: "backups/b/b-volumesnapshots.json.gz",
    BackupItemOperations: "backups/b/b-itemoperations.json.gz",
    BackupResourceList: "backups/b/b-resource-list.json.gz",
    BackupResults: "backups/b/b-results.gz",
    BackupVolumeInfos: "backups/b/b-volumeinfo.json.gz",
    CSIBackupVolumeSnapshots: "backups/b/b-csi-volumesnapshots.json.gz",
    CSIBackupVolumeSnapshotContents: "backups/b/b-csi-volumesnapshotcontents.json.gz",
    RestoreLog: "restores/b/restore-b-logs.gz",
    RestoreResults: "restores/b/restore-b-results.gz",
    RestoreResourceList: "restores/b/restore-b-resource-list.json.gz",
    RestoreItemOperations: "restores/b/restore-b-itemoperations.json.gz",
    RestoreVolumeInfo: "restores/b/b-volumeinfo.json.gz",
  };
  for (const kind of DOWNLOAD_TARGET_KINDS)
    assert.equal(downloadTargetKey({ kind, name: "b" }), expected[kind], kind);
});

test("restore kinds are found through the restore's backup, the others through the backup", () => {
  assert.deepEqual(DOWNLOAD_TARGET_KINDS.filter(isRestoreTarget), [
    "RestoreLog",
    "RestoreResults",
    "RestoreResourceList",
    "RestoreItemOperations",
    "RestoreVolumeInfo",
  ]);
});

test("a target name that would reach another directory is refused", () => {
  assert.throws(() => downloadTargetKey({ kind: "BackupLog", name: "../x" }), /invalid backup name/);
  assert.throws(() => downloadTargetKey({ kind: "RestoreLog", name: ".." }), /invalid restore name/);
});

test("download URLs work for Velero's ten minutes", () => {
  assert.equal(DOWNLOAD_URL_TTL_MS, 600_000);
});

test("a request expires at its expiration, not before; one without an expiration has not expired", () => {
  const at = new Date(NOW).toISOString();
  assert.equal(isExpired(processed("r", "", at), NOW - 1), false);
  assert.equal(isExpired(processed("r", "", at), NOW), true);
  const fresh = processed("r", "");
  delete fresh.status!.expiration;
  assert.equal(isExpired(fresh, NOW), false);
});

test("a link names its request and token, and parses back", () => {
  const token = newDownloadToken();
  const link = downloadLink("http://127.0.0.1:8099/", "nightly-1", token);
  assert.equal(link, `http://127.0.0.1:8099/download/nightly-1/${token}`);
  assert.deepEqual(parseDownloadPath(new URL(link).pathname), { requestName: "nightly-1", token });
  assert.equal(parseDownloadPath("/download/only-a-name"), undefined);
  assert.equal(parseDownloadPath("/etc/passwd"), undefined);
});

test("tokens are 256 random bits, different each time", () => {
  const a = newDownloadToken();
  assert.equal(Buffer.from(a, "base64url").length, 32);
  assert.notEqual(a, newDownloadToken());
});

test("the link the server issued is served", () => {
  const token = newDownloadToken();
  const request = processed("r1", downloadLink("http://h:1", "r1", token));
  assert.deepEqual(checkDownloadLink(request, "r1", token, NOW), { ok: true });
});

test("a forged token, or another request's token, is refused with 403", () => {
  const mine = newDownloadToken();
  const theirs = newDownloadToken();
  const request = processed("r1", downloadLink("http://h:1", "r1", mine));
  const forged = checkDownloadLink(request, "r1", theirs, NOW);
  assert.equal(forged.ok, false);
  assert.equal(!forged.ok && forged.status, 403);
  const short = checkDownloadLink(request, "r1", "abc", NOW);
  assert.equal(!short.ok && short.status, 403);
  // r2's own token presented for r1: a token opens only the request it was issued for.
  const other = processed("r2", downloadLink("http://h:1", "r2", theirs));
  assert.equal(checkDownloadLink(other, "r2", theirs, NOW).ok, true);
  assert.equal(checkDownloadLink(request, "r1", theirs, NOW).ok, false);
});

test("an expired request is refused with 410, a missing or unprocessed one with 404", () => {
  const token = newDownloadToken();
  const link = downloadLink("http://h:1", "r1", token);
  const expired = checkDownloadLink(processed("r1", link, new Date(NOW - 1).toISOString()), "r1", token, NOW);
  assert.equal(!expired.ok && expired.status, 410);
  const missing = checkDownloadLink(undefined, "r1", token, NOW);
  assert.equal(!missing.ok && missing.status, 404);
  const fresh = processed("r1", link);
  fresh.status!.phase = "New";
  const unprocessed = checkDownloadLink(fresh, "r1", token, NOW);
  assert.equal(!unprocessed.ok && unprocessed.status, 404);
});

test("a presigned S3 URL in the status never passes as this server's link", () => {
  const request = processed("r1", "https://s3.example.com/bucket/backups/b/b-logs.gz?X-Amz-Signature=abc");
  assert.equal(checkDownloadLink(request, "r1", "abc", NOW).ok, false);
});

test("the download server address is host:port, ':port' for every interface, and bad ones are refused", () => {
  assert.deepEqual(parseAddress("127.0.0.1:8099"), { host: "127.0.0.1", port: 8099 });
  assert.deepEqual(parseAddress(":8099"), { host: undefined, port: 8099 });
  assert.deepEqual(parseAddress("[::1]:0"), { host: "::1", port: 0 });
  for (const bad of ["8099", "localhost:http", "h:70000"])
    assert.throws(() => parseAddress(bad), /--download-server-address must be host:port/);
});
