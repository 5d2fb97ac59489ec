import type { Readable } from "node:stream";
import { readBackupArchive } from "../archive/backup-archive-reader.js";
import type { Item } from "./item-rules.js";
import { ItemSpool, type SpoolRef } from "./item-spool.js";

/** One item of a backup, its bytes in the spool. */
export interface IndexedItem {
  namespace?: string;
  name: string;
  ref: SpoolRef;
}

/**
 * A backup's items by group-resource, read once from the archive into a spool on local disk.
 * The few items planning needs up front (Namespaces, claims) are kept parsed too.
 */
export interface BackupIndex {
  spool: ItemSpool;
  byResource: Map<string, IndexedItem[]>;
  /** The backed-up Namespace objects, by name. */
  namespaces: Map<string, Item>;
  /** The backed-up PersistentVolumeClaims' labels, by `ns/name`. */
  claims: Map<string, Record<string, string>>;
  formatVersion?: string;
  itemCount: number;
}

/**
 * Reads the archive through; an unsafe entry (absolute path, `..`, a link, an oversized entry)
 * rejects the whole backup, before the restore has written anything.
 */
export async function indexBackup(archive: Readable): Promise<BackupIndex> {
  const spool = await ItemSpool.create();
  const index: BackupIndex = {
    spool,
    byResource: new Map(),
    namespaces: new Map(),
    claims: new Map(),
    itemCount: 0,
  };
  try {
    const entries = readBackupArchive(archive, { onFormatVersion: (v) => (index.formatVersion = v) });
    for await (const entry of entries) {
      // Each item is in the archive twice; the top-level copy is the one restored.
      if (entry.preferredVersion !== undefined) continue;
      const ref = await spool.append(entry.data);
      let list = index.byResource.get(entry.groupResource);
      if (!list) index.byResource.set(entry.groupResource, (list = []));
      list.push({ ...(entry.namespace ? { namespace: entry.namespace } : {}), name: entry.name, ref });
      index.itemCount++;
      if (entry.groupResource === "namespaces" && !entry.namespace)
        keepParsed(entry.data, (o) => index.namespaces.set(entry.name, o));
      if (entry.groupResource === "persistentvolumeclaims" && entry.namespace) {
        keepParsed(entry.data, (o) =>
          index.claims.set(`${entry.namespace}/${entry.name}`, o.metadata?.labels ?? {}),
        );
      }
    }
  } catch (err) {
    await spool.remove();
    throw err;
  }
  return index;
}

/** A damaged item is not kept here; planning reports it as failed when it comes to it. */
function keepParsed(data: Buffer, keep: (o: Item) => void): void {
  try {
    keep(JSON.parse(data.toString("utf8")) as Item);
  } catch {
    // reported by the plan
  }
}
