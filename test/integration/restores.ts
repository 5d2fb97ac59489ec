// Restores in the integration tests: Restores made with kubectl, and backups planted in the
// storage directory as another cluster, or anyone who can write to the bucket, might leave them.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import type { Backup, Restore } from "../../src/api/v1/index.js";
import { Watch } from "@kubernetes/client-node";
import { kubeConfig, kubectl, waitUntil } from "./support.js";
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

/** Fails validation with the message, and was never InProgress on the way (as a watch saw it). */
export async function failsValidation(spec: Restore["spec"], message: RegExp): Promise<void> {
  const name = `bad-${id()}`;
  const phases = await watchPhases(name);
  await applyRestore(name, spec);
  const restore = await finished(name);
  assert.equal(restore.status?.phase, "FailedValidation");
  assert.match(restore.status?.validationErrors?.join("\n") ?? "", message);
  assert.deepEqual(await phases.until("FailedValidation"), ["New", "FailedValidation"]);
}

/**
 * Watches one restore's phase from before it exists, as `kubectl get -w` would show it to a
 * user; resolves once the watch is running. `until` resolves, once the watch has shown `last`,
 * with each phase in turn (repeats folded).
 */
export async function watchPhases(name: string): Promise<{ until(last: string): Promise<string[]> }> {
  const seen: string[] = [];
  const watch = await new Watch(kubeConfig()).watch(
    "/apis/velero.io/v1/namespaces/velero/restores",
    { fieldSelector: `metadata.name=${name}` },
    (_type: string, restore: Restore) => {
      const phase = restore.status?.phase ?? "New";
      if (seen.at(-1) !== phase) seen.push(phase);
    },
    () => undefined,
  );
  return {
    async until(last) {
      try {
        return await waitUntil(`the watch of restore ${name} to show ${last}`, 30_000, () =>
          Promise.resolve(seen.includes(last) ? [...seen] : undefined),
        );
      } finally {
        watch.abort();
      }
    },
  };
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
