// Backup sync over a location that someone else can write to: each bad entry is skipped and
// named, and everything else still syncs.
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import type { Backup } from "../../src/api/v1/index.js";
import { id } from "./restores.js";
import { jsonOf, kubectl, waitUntil } from "./support.js";
import { storageDir } from "./velero.js";

const stored = (name: string, status?: Backup["status"]) =>
  JSON.stringify({
    apiVersion: "velero.io/v1",
    kind: "Backup",
    metadata: { name, namespace: "velero" },
    spec: { storageLocation: "default", includedNamespaces: ["*"] },
    ...(status ? { status } : {}),
  });

const completed = { phase: "Completed" as const, version: 1, formatVersion: "1.1.0" };

interface EventList {
  items: { reason: string; message: string; type: string }[];
}

async function backupNames(): Promise<string[]> {
  return (await kubectl(["get", "backups.velero.io", "-n", "velero", "-o", "name"]))
    .split("\n")
    .filter(Boolean)
    .map((n) => n.slice(n.indexOf("/") + 1));
}

test("sync skips each bad velero-backup.json with a warning that names it, and syncs and cleans up the rest", async (t) => {
  const run = id();
  const bad: Record<string, string> = {
    [`Bad_Name-${run}`]: stored(`Bad_Name-${run}`, completed),
    [`not-json-${run}`]: "{this is not json",
    [`empty-${run}`]: "{}",
    [`array-${run}`]: "[]",
    [`no-metadata-${run}`]: JSON.stringify({ apiVersion: "velero.io/v1", kind: "Backup", status: completed }),
    [`huge-${run}`]: JSON.stringify({
      ...(JSON.parse(stored(`huge-${run}`, completed)) as object),
      metadata: { name: `huge-${run}`, annotations: { filler: "x".repeat(3.5 * 2 ** 20) } },
    }),
    [`no-status-${run}`]: stored(`no-status-${run}`),
    [`in-progress-${run}`]: stored(`in-progress-${run}`, { phase: "InProgress" }),
  };
  const good = `good-${run}`;
  const planted = { ...bad, [good]: stored(good, completed) };
  t.after(async () => {
    for (const name of Object.keys(planted)) {
      await fs.rm(path.join(storageDir(), "backups", name), { recursive: true, force: true });
    }
    await kubectl(["delete", "backups.velero.io", good, "-n", "velero", "--ignore-not-found"]);
  });
  // A Backup whose files are gone from the location: the same sync deletes it.
  const gone = `gone-${run}`;
  await kubectl(["apply", "-f", "-"], JSON.stringify({ ...(JSON.parse(stored(gone, completed)) as object) }));
  for (const [name, json] of Object.entries(planted)) {
    await fs.mkdir(path.join(storageDir(), "backups", name), { recursive: true });
    await fs.writeFile(path.join(storageDir(), "backups", name, "velero-backup.json"), json);
  }

  await waitUntil("the good backup to sync and the gone one to be deleted", 60_000, async () => {
    const names = await backupNames();
    return names.includes(good) && !names.includes(gone);
  });
  const names = await backupNames();
  assert.deepEqual(
    Object.keys(bad).filter((name) => names.includes(name)),
    [],
    "no bad entry became a Backup",
  );
  const events = await waitUntil("a warning for each bad entry", 30_000, async () => {
    const list = await jsonOf<EventList>([
      "get",
      "events",
      "-n",
      "velero",
      "--field-selector",
      "involvedObject.kind=BackupStorageLocation,involvedObject.name=default,reason=BackupSyncSkipped",
    ]);
    const mine = list.items.filter((e) => e.message.includes(run));
    return mine.length >= Object.keys(bad).length ? mine : undefined;
  });
  const reasonOf = (name: string) =>
    events.find((e) => e.message.startsWith(`backup sync skipped backup "${name}" in location default: `))
      ?.message;
  assert.match(reasonOf(`Bad_Name-${run}`) ?? "", /its directory name is not a valid Backup name/);
  assert.match(reasonOf(`not-json-${run}`) ?? "", /velero-backup.json is not valid JSON/);
  assert.match(reasonOf(`empty-${run}`) ?? "", /velero-backup.json has no metadata object/);
  assert.match(reasonOf(`array-${run}`) ?? "", /velero-backup.json is not a JSON object/);
  assert.match(reasonOf(`no-metadata-${run}`) ?? "", /velero-backup.json has no metadata object/);
  assert.match(reasonOf(`huge-${run}`) ?? "", /velero-backup.json is over 3145728 bytes/);
  assert.match(reasonOf(`no-status-${run}`) ?? "", /has no status phase: only a backup that has finished/);
  assert.match(
    reasonOf(`in-progress-${run}`) ?? "",
    /has phase "InProgress": only a backup that has finished/,
  );
  assert.ok(events.every((e) => e.type === "Warning"));
});
