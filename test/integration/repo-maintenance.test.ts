// Repository maintenance: the space of deleted backups comes back only through kopia's
// maintenance, which the server runs on each repository's schedule and `repo maintenance` now.
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import type { BackupRepository } from "../../src/api/v1/index.js";
import { bytesUnder, kubectl, testNamespace, waitUntil } from "./support.js";
import { storageDir, velero } from "./velero.js";
import {
  appWithPodVolumes,
  appWritesRandom,
  deleteBackup,
  FS_OPT_IN,
  repositoryKopia,
  veleroObjects,
  volumeBackup,
} from "./volumes.js";

const MIB = 2 ** 20;

test("after its backup is deleted, repo maintenance gives the space of its data back and records the run", async (t) => {
  const ns = await testNamespace(t, "fsm");
  await appWithPodVolumes(ns, FS_OPT_IN);
  await appWritesRandom(ns, "blob.bin", 32);
  const backup = await volumeBackup(ns);
  const repoDir = path.join(storageDir(), "kopia", ns);
  const before = await bytesUnder(repoDir);
  assert.ok(before > 32 * MIB, `the repository holds the 32 MiB: ${before} bytes`);
  const [repo] = await veleroObjects<BackupRepository>(
    "backuprepositories",
    `velero.io/volume-namespace=${ns}`,
  );
  // A repository is made with its first maintenance one frequency away, as Velero's.
  assert.equal(typeof repo?.status?.lastMaintenanceTime, "string");

  await deleteBackup(backup);
  assert.ok((await bytesUnder(repoDir)) > 32 * MIB, "deleting the backup alone gives nothing back");
  const run = await velero(["repo", "maintenance", repo!.metadata.name!, "--safety", "none"]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, `Backup repository "${repo!.metadata.name}" maintained.\n`);

  const after = await bytesUnder(repoDir);
  assert.ok(after < MIB, `${before} bytes before, ${after} after`);
  const [maintained] = await veleroObjects<BackupRepository>(
    "backuprepositories",
    `velero.io/volume-namespace=${ns}`,
  );
  const recent = maintained!.status!.recentMaintenance!;
  assert.equal(recent.at(-1)?.result, "Succeeded");
  assert.equal(maintained!.status!.lastMaintenanceTime, recent.at(-1)?.completeTimestamp);
  await (await repositoryKopia(t, ns)).verify();
});

test("the server maintains a repository once its maintenance frequency has passed", async (t) => {
  const ns = await testNamespace(t, "fss");
  await appWithPodVolumes(ns, FS_OPT_IN);
  await appWritesRandom(ns, "blob.bin", 4);
  await volumeBackup(ns);
  const selector = `velero.io/volume-namespace=${ns}`;
  const [repo] = await veleroObjects<BackupRepository>("backuprepositories", selector);
  assert.equal(repo?.status?.recentMaintenance, undefined);

  await kubectl([
    "patch",
    "backuprepositories.velero.io",
    repo!.metadata.name!,
    "-n",
    "velero",
    "--type=merge",
    "-p",
    JSON.stringify({ spec: { maintenanceFrequency: "1s" } }),
  ]);
  const maintained = await waitUntil("the server to maintain the repository", 90_000, async () => {
    const [r] = await veleroObjects<BackupRepository>("backuprepositories", selector);
    return r?.status?.recentMaintenance?.length ? r : undefined;
  });
  assert.equal(maintained.status!.recentMaintenance![0]!.result, "Succeeded");
  assert.equal(
    maintained.status!.lastMaintenanceTime,
    maintained.status!.recentMaintenance![0]!.completeTimestamp,
  );
});

test("repo maintenance of a repository that does not exist says how to find the names", async () => {
  const run = await velero(["repo", "maintenance", "no-such-repo"]);
  assert.equal(run.code, 1);
  assert.match(
    run.stderr,
    /backup repository "no-such-repo" not found in namespace velero: check the name with `velero-ts repo get`/,
  );
});
