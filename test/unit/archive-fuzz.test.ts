// Random archives, paths and items, for a bounded time each run: the reader, the path parser and
// the planner must hold their rules on input nobody wrote by hand. A failure prints the seed;
// FUZZ_SEED=<seed> replays it, FUZZ_MS=<ms> runs longer.
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { test } from "node:test";
import type { HeaderData } from "tar";
import {
  ArchiveLimitError,
  readBackupArchive,
  UnsafeArchiveEntryError,
} from "../../src/archive/backup-archive-reader.js";
import { itemPath, parseItemPath, preferredVersionItemPath } from "../../src/archive/paths.js";
import type { ApiResource } from "../../src/kube/discovery.js";
import type { Item } from "../../src/items/item.js";
import { craftedArchive } from "../archives.js";
import { none, planner } from "./planner.js";

const BUDGET_MS = Number(process.env.FUZZ_MS ?? 1500);

/** mulberry32: small, seedable, good enough to pick among choices. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs `round` with fresh seeds until the budget is spent; an assertion names the seed that broke it. */
async function fuzz(round: (next: () => number) => Promise<void> | void): Promise<number> {
  const fixed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
  const deadline = Date.now() + BUDGET_MS;
  let rounds = 0;
  do {
    const seed = fixed ?? Math.floor(Math.random() * 2 ** 32);
    try {
      await round(random(seed));
    } catch (err) {
      throw new Error(`fuzz round failed with FUZZ_SEED=${seed}: ${(err as Error).message}`, { cause: err });
    }
    rounds++;
  } while (fixed === undefined && Date.now() < deadline);
  return rounds;
}

const pick = <T>(next: () => number, choices: readonly T[]): T =>
  choices[Math.floor(next() * choices.length)]!;

const SEGMENTS = [
  "resources",
  "namespaces",
  "cluster",
  "v1-preferredversion",
  "-preferredversion",
  "configmaps",
  "clusterrolebindings.rbac.authorization.k8s.io",
  "hdemo",
  "kube-system",
  "x.json",
  ".json",
  "..",
  ".",
  "",
  "%2F..",
  "a\\..\\b",
  "C:",
  "métadonnées",
  "metadata",
  "version",
];

function randomPath(next: () => number): string {
  const parts = Array.from({ length: 1 + Math.floor(next() * 7) }, () =>
    next() < 0.1 ? "n".repeat(Math.floor(next() * 120)) : pick(next, SEGMENTS),
  );
  const joined = parts.join(pick(next, ["/", "/", "/", "//", "\\"]));
  return pick(next, ["", "", "", "/", "./", "../"]) + joined;
}

const TYPES: NonNullable<HeaderData["type"]>[] = [
  "File",
  "File",
  "File",
  "OldFile",
  "ContiguousFile",
  "Directory",
  "SymbolicLink",
  "Link",
  "FIFO",
  "CharacterDevice",
  "BlockDevice",
  "GNUDumpDir",
  "ExtendedHeader",
  "GlobalExtendedHeader",
  "NextFileHasLongPath",
];

const MAX_ENTRY = 2048;
const MAX_TOTAL = 64 * 1024;

function randomArchive(next: () => number): Buffer {
  const entries = Array.from({ length: Math.floor(next() * 12) }, () => {
    const size = next() < 0.1 ? MAX_ENTRY + Math.floor(next() * 4096) : Math.floor(next() * 600);
    const type = pick(next, TYPES);
    return {
      path: randomPath(next),
      type,
      body: Buffer.alloc(size, pick(next, ["{}", "x", '{"kind":"ConfigMap"}'])),
      ...(type === "SymbolicLink" || type === "Link" ? { linkpath: "/etc/passwd" } : {}),
    };
  });
  let archive = craftedArchive(entries);
  if (next() < 0.15) archive = archive.subarray(0, Math.floor(next() * archive.length));
  if (next() < 0.15 && archive.length > 0) {
    archive = Buffer.from(archive);
    const at = Math.floor(next() * archive.length);
    archive[at] = archive[at]! ^ (1 + Math.floor(next() * 255));
  }
  return archive;
}

test("the archive reader yields only safe, well-formed items within its bounds, or a clear error", async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "archive-fuzz-"));
  const before = process.cwd();
  process.chdir(dir);
  try {
    const rounds = await fuzz(async (next) => {
      let total = 0;
      try {
        const stream = Readable.from([randomArchive(next)]);
        for await (const entry of readBackupArchive(stream, {
          maxEntryBytes: MAX_ENTRY,
          maxTotalBytes: MAX_TOTAL,
        })) {
          assert.ok(!entry.path.startsWith("/") && !entry.path.split(/[/\\]/).includes(".."), entry.path);
          const { path: p, data, ...location } = entry;
          assert.deepEqual(location, parseItemPath(p), `the entry is where its path says: ${p}`);
          assert.ok(data.length <= MAX_ENTRY, `${p}: ${data.length} bytes`);
          total += data.length;
        }
      } catch (err) {
        const known =
          err instanceof UnsafeArchiveEntryError ||
          err instanceof ArchiveLimitError ||
          (err instanceof Error && err.message.startsWith("cannot read backup archive: "));
        assert.ok(known, `unexpected error: ${(err as Error).stack}`);
      }
      assert.ok(total <= MAX_TOTAL, `read ${total} bytes`);
    });
    assert.deepEqual(await fs.readdir(dir), [], "nothing was written to disk");
    assert.ok(rounds > 0);
  } finally {
    process.chdir(before);
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test("the item path parser never throws, and whatever it accepts it writes back the same way", async () => {
  await fuzz((next) => {
    for (let i = 0; i < 200; i++) {
      const p = randomPath(next);
      const location = parseItemPath(p);
      if (!location) continue;
      const { groupResource, namespace, name, preferredVersion } = location;
      for (const part of [groupResource, namespace, name]) assert.ok(!part?.includes("/"), p);
      assert.notEqual(name, "");
      assert.notEqual(namespace, "");
      const back = preferredVersion
        ? preferredVersionItemPath(groupResource, preferredVersion, namespace, name)
        : itemPath(groupResource, namespace, name);
      assert.equal(back, p);
    }
  });
});

const RESOURCES: (ApiResource | undefined)[] = [
  { group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", namespaced: true },
  {
    group: "rbac.authorization.k8s.io",
    version: "v1",
    resource: "clusterrolebindings",
    kind: "ClusterRoleBinding",
    namespaced: false,
  },
  undefined,
].map((r) => r && { ...r, verbs: ["create"], shortNames: [], singularName: "" });

test("a planned item goes to its path's namespace, mapped, and name, whatever its JSON says", async () => {
  await fuzz((next) => {
    const p = planner({
      includedNamespaces: [pick(next, ["*", "hdemo"])],
      excludedNamespaces: ["kube-system"],
      includeClusterResources: pick(next, [true, false, undefined]),
      namespaceMapping: { hdemo: "hdemo-m" },
    });
    for (let i = 0; i < 50; i++) {
      const resource = pick(next, RESOURCES);
      const groupResource = resource
        ? resource.group
          ? `${resource.resource}.${resource.group}`
          : resource.resource
        : pick(next, ["configmaps", "widgets.example.com"]);
      const where = {
        ...(next() < 0.7 ? { namespace: pick(next, ["hdemo", "kube-system", "Bad_NS", "other"]) } : {}),
        name: pick(next, ["x", "y", ".", "a%2F"]),
      };
      const item: Item = {
        apiVersion: pick(next, [
          "v1",
          "rbac.authorization.k8s.io/v1",
          "example.com/v1",
          "v1/../x",
          undefined,
        ]),
        kind: pick(next, ["ConfigMap", "ClusterRoleBinding", "Widget", undefined]),
        metadata: {
          ...(next() < 0.6 ? { name: pick(next, ["x", "y", "kube-root-ca.crt"]) } : {}),
          ...(next() < 0.6 ? { namespace: pick(next, ["hdemo", "kube-system", ""]) } : {}),
        },
      };
      const planned = p.planItem(groupResource, where, item, none, resource);
      if (!planned || planned.entry.action === "fail") continue;
      const expected = where.namespace === "hdemo" ? "hdemo-m" : where.namespace;
      assert.notEqual(where.namespace, "kube-system", "an excluded namespace is never planned");
      assert.equal(planned.entry.namespace, expected);
      assert.equal(planned.entry.name, where.name);
      assert.equal(planned.body?.metadata?.namespace, expected);
      assert.equal(planned.body?.metadata?.name, where.name);
      if (resource) assert.equal(resource.namespaced, where.namespace !== undefined);
    }
  });
});
