// Garbage collection of expired backups when their location is read-only for a while.
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import type { DeleteBackupRequest } from "../../src/api/v1/index.js";
import { id } from "./restores.js";
import { jsonOf, waitUntil } from "./support.js";
import { createReadOnlyLocation, velero } from "./velero.js";

async function requestsFor(backup: string): Promise<DeleteBackupRequest[]> {
  const list = await jsonOf<{ items: DeleteBackupRequest[] }>([
    "get",
    "deletebackuprequests.velero.io",
    "-n",
    "velero",
  ]);
  return list.items.filter((r) => r.spec.backupName === backup);
}

const backupExists = async (name: string) => (await velero(["backup", "get", name])).code === 0;

test("an expired backup whose delete a read-only location refused is collected once the location is writable", async (t) => {
  const location = `gc-ro-${id()}`;
  const root = await fs.mkdtemp(path.join(os.tmpdir(), "gc-ro-"));
  const name = `expired-${id()}`;
  // A backup that expired an hour ago, already in the location when it is added read-only.
  const dir = path.join(root, "backups", name);
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, `${name}.tar.gz`), "");
  await fs.writeFile(
    path.join(dir, "velero-backup.json"),
    JSON.stringify({
      apiVersion: "velero.io/v1",
      kind: "Backup",
      metadata: { name, namespace: "velero" },
      spec: { includedNamespaces: ["*"] },
      status: { phase: "Completed", expiration: new Date(Date.now() - 3_600_000).toISOString() },
    }),
  );
  const created = await createReadOnlyLocation(location, root);
  assert.equal(created.code, 0, created.stderr);
  t.after(async () => {
    await velero(["backup-location", "delete", location, "--confirm"]);
    await fs.rm(root, { recursive: true, force: true });
  });
  await waitUntil(`backup sync to bring ${name} in`, 60_000, () => backupExists(name));

  // The user's delete is refused while the location is read-only, and the request stays Processed.
  const deleted = await velero(["backup", "delete", name, "--confirm"]);
  assert.equal(deleted.code, 0, deleted.stderr);
  const refused = await waitUntil("the delete to be refused", 30_000, async () => {
    const [request] = await requestsFor(name);
    return request?.status?.phase === "Processed" ? request : undefined;
  });
  assert.deepEqual(refused.status?.errors, [
    `cannot delete backup because backup storage location ${location} is currently in read-only mode`,
  ]);
  // Two collection periods (10s each on the test cluster) pass: nothing is asked of a read-only location.
  await new Promise((r) => setTimeout(r, 25_000));
  assert.deepEqual(
    (await requestsFor(name)).map((r) => r.metadata.name),
    [refused.metadata.name],
  );
  assert.equal(await backupExists(name), true);

  const writable = await velero(["backup-location", "set", location, "--access-mode", "ReadWrite"]);
  assert.equal(writable.code, 0, writable.stderr);
  await waitUntil("the expired backup to be collected", 60_000, async () => !(await backupExists(name)));
  assert.deepEqual(await fs.readdir(path.join(root, "backups")).catch(() => []), []);
  assert.deepEqual(await requestsFor(name), [], "the refused request was replaced, and the new one done");
});
