// What the CLI refuses before submitting, as Velero's CLI does, and what it still does for a
// backup that failed validation because its storage location does not exist.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, test } from "node:test";
import type { Backup } from "../../src/api/v1/index.js";
import { jsonOf, kubectl, waitUntil } from "./support.js";
import { velero } from "./velero.js";

const unique = (prefix: string) => `${prefix}-${randomBytes(3).toString("hex")}`;

async function exists(kind: "backups" | "restores" | "deletebackuprequests", name: string): Promise<boolean> {
  const list = await jsonOf<{ items: { metadata: { name: string } }[] }>(["get", kind, "-n", "velero"]);
  return list.items.some((o) => o.metadata.name === name);
}

/** The DeleteBackupRequests of a backup. */
async function requestsFor(backup: string): Promise<unknown[]> {
  const args = ["get", "deletebackuprequests", "-n", "velero", "-l", `velero.io/backup-name=${backup}`];
  return (await jsonOf<{ items: unknown[] }>(args)).items;
}

const made: string[] = [];
after(async () => {
  for (const name of made) await kubectl(["delete", "backup", name, "-n", "velero", "--ignore-not-found"]);
});

/** A Backup sent with kubectl (the CLI would refuse it) naming a location that does not exist. */
async function backupOnMissingLocation(name: string, labels: Record<string, string> = {}): Promise<Backup> {
  made.push(name);
  await kubectl(
    ["apply", "-f", "-"],
    JSON.stringify({
      apiVersion: "velero.io/v1",
      kind: "Backup",
      metadata: { name, namespace: "velero", labels },
      spec: { includedNamespaces: ["default"], storageLocation: "gone" },
    }),
  );
  return waitUntil(`backup ${name} to fail validation`, 30_000, async () => {
    const b = await jsonOf<Backup>(["get", "backup", name, "-n", "velero"]);
    return b.status?.phase === "FailedValidation" ? b : undefined;
  });
}

test("backup create with an unknown --storage-location is refused and creates nothing", async () => {
  const name = unique("noloc");
  const { code, stderr } = await velero(["backup", "create", name, "--storage-location", "nowhere"]);
  assert.equal(code, 1);
  assert.match(
    stderr,
    /^error: backup storage location "nowhere" does not exist in namespace velero \(locations: [^)]*default[^)]*\)/,
  );
  assert.equal(await exists("backups", name), false);
});

test("restore create --from-backup of a backup that does not exist is refused and creates nothing", async () => {
  const name = unique("r-nobackup");
  const { code, stderr } = await velero(["restore", "create", name, "--from-backup", "no-such-backup"]);
  assert.equal(code, 1);
  assert.match(stderr, /^error: backup "no-such-backup" does not exist in namespace velero/);
  assert.equal(await exists("restores", name), false);
});

test("restore create --from-schedule of a schedule with no completed backup is refused and creates nothing", async () => {
  const schedule = unique("sched");
  // The schedule's only backup failed validation: nothing to restore from.
  await backupOnMissingLocation(unique("sched-b"), { "velero.io/schedule-name": schedule });
  const name = unique("r-nosched");
  const { code, stderr } = await velero(["restore", "create", name, "--from-schedule", schedule]);
  assert.equal(code, 1);
  assert.match(stderr, new RegExp(`^error: no completed backups found for schedule ${schedule}`));
  assert.equal(await exists("restores", name), false);
});

test("describe, logs and delete of a FailedValidation backup whose location is gone", async () => {
  const name = unique("gone");
  await backupOnMissingLocation(name);

  const described = await velero(["backup", "describe", name]);
  assert.equal(described.code, 0, described.stderr);
  assert.match(described.stdout, /^Phase: {2}FailedValidation$/m);
  assert.match(described.stdout, /^Validation errors:\n {2}backup storage location "gone" does not exist/m);

  const logs = await velero(["backup", "logs", name]);
  assert.equal(logs.code, 1);
  assert.match(
    logs.stderr,
    new RegExp(
      `^error: backup "${name}" failed validation and has no log: run \`velero-ts backup describe ${name}\` to see why`,
    ),
  );

  const deleted = await velero(["delete", "backup", name, "--confirm"]);
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.match(deleted.stdout, new RegExp(`Request to delete backup "${name}" submitted successfully`));
  assert.match(deleted.stdout, /so the backup's files cannot be reached: only the Backup object is deleted/);
  await waitUntil(`backup ${name} to be deleted`, 30_000, async () => !(await exists("backups", name)));
  assert.deepEqual(await requestsFor(name), [], "the DeleteBackupRequest is done and removed");
});

test("get -l --show-labels, describe of several names and delete -l work on the backups selected", async () => {
  const tag = unique("tag");
  const [a, b] = [unique("sel-a"), unique("sel-b")];
  await backupOnMissingLocation(a, { tag });
  await backupOnMissingLocation(b, { tag });

  const got = await velero(["get", "backups", "-l", `tag=${tag}`, "--show-labels"]);
  assert.equal(got.code, 0, got.stderr);
  const rows = got.stdout.trim().split("\n");
  assert.match(rows[0]!, /LABELS$/);
  assert.deepEqual(
    rows
      .slice(1)
      .map((r) => r.split(/\s+/)[0])
      .sort(),
    [a, b].sort(),
  );
  for (const row of rows.slice(1)) assert.match(row, new RegExp(`tag=${tag}$`));

  const described = await velero(["describe", "backups", a, b]);
  assert.equal(described.code, 0, described.stderr);
  assert.deepEqual(
    [...described.stdout.matchAll(/^Name: +(\S+)$/gm)].map((m) => m[1]),
    [a, b],
  );

  const json = await velero(["backup", "describe", a, "-o", "json"]);
  assert.equal(json.code, 0, json.stderr);
  assert.equal((JSON.parse(json.stdout) as { phase: string }).phase, "FailedValidation");

  const deleted = await velero(["backup", "delete", "-l", `tag=${tag}`, "--confirm"]);
  assert.equal(deleted.code, 0, deleted.stderr);
  await waitUntil("both selected backups to be deleted", 30_000, async () => {
    return !(await exists("backups", a)) && !(await exists("backups", b));
  });
});

test("delete --all with no terminal and no --confirm refuses and deletes nothing", async () => {
  const name = unique("kept");
  await backupOnMissingLocation(name);
  const { code, stderr } = await velero(["backup", "delete", "--all"]);
  assert.equal(code, 1);
  assert.match(stderr, /refusing to delete without confirmation: add --confirm/);
  assert.equal(await exists("backups", name), true);
  assert.deepEqual(await requestsFor(name), [], "no DeleteBackupRequest was made");
});
