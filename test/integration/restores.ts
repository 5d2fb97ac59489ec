// Restores in the integration tests: Restores made with kubectl, and backups planted in the
// storage directory as another cluster, or anyone who can write to the bucket, might leave them.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import type { Backup, Restore } from "../../src/api/v1/index.js";
import { kubectl, waitUntil } from "./support.js";
import { storageDir } from "./velero.js";

/** A short random suffix, so names never collide between tests. */
export const id = () => randomBytes(3).toString("hex");

/** Creates a Restore with kubectl, as a user of the API would. */
export async function applyRestore(name: string, spec: Restore["spec"]): Promise<void> {
  await kubectl(
    ["apply", "-f", "-"],
    JSON.stringify({
      apiVersion: "velero.io/v1",
      kind: "Restore",
      metadata: { name, namespace: "velero" },
      spec,
    }),
  );
}

/** Waits until the restore has left New and InProgress. */
export async function finished(name: string): Promise<Restore> {
  return waitUntil(`restore ${name} to finish`, 90_000, async () => {
    const r = JSON.parse(
      await kubectl(["get", "restores.velero.io", name, "-n", "velero", "-o", "json"]),
    ) as Restore;
    return r.status?.phase && !["New", "InProgress"].includes(r.status.phase) ? r : undefined;
  });
}

export async function failsValidation(spec: Restore["spec"], message: RegExp): Promise<void> {
  const name = `bad-${id()}`;
  await applyRestore(name, spec);
  const restore = await finished(name);
  assert.equal(restore.status?.phase, "FailedValidation");
  assert.match(restore.status?.validationErrors?.join("\n") ?? "", message);
}

/**
 * A backup written straight into the storage directory, as another cluster (or a tampered
 * bucket) might have left it; backup sync brings it into the cluster.
 */
export async function plantBackup(name: string, archive: Buffer, phase = "Completed"): Promise<void> {
  const dir = path.join(storageDir(), "backups", name);
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, `${name}.tar.gz`), archive);
  const backup: Backup = {
    apiVersion: "velero.io/v1",
    kind: "Backup",
    metadata: { name, namespace: "velero" },
    spec: { storageLocation: "default", includedNamespaces: ["*"] },
    status: {
      phase: phase as "Completed",
      version: 1,
      formatVersion: "1.1.0",
      startTimestamp: new Date().toISOString(),
    },
  };
  await fs.writeFile(path.join(dir, "velero-backup.json"), JSON.stringify(backup));
  await waitUntil(`backup sync to bring ${name} in`, 60_000, async () =>
    (await kubectl(["get", "backups.velero.io", "-n", "velero", "-o", "name"])).includes(`/${name}\n`),
  );
}

/** A regular file entry of a crafted archive; an object body is written as JSON. */
export const archiveItem = (p: string, body: unknown) => ({
  path: p,
  type: "File" as const,
  body: Buffer.from(typeof body === "string" ? body : JSON.stringify(body)),
});
