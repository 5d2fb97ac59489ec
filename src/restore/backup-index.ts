import type { Readable } from "node:stream";
import { readBackupArchive } from "../archive/backup-archive-reader.js";
import type { Item } from "../items/item.js";
import { ItemSpool } from "./item-spool.js";
import type { RestoreLimits } from "./limits.js";
import { ResourceItems } from "./resource-items.js";

/**
 * A backup's items by group-resource, read once from the archive into a spool on local disk;
 * memory holds a few numbers per item, not its name or body. The few items planning needs up
 * front (Namespaces, claims) are kept parsed too.
 */
export interface BackupIndex {
  spool: ItemSpool;
  byResource: Map<string, ResourceItems>;
  /** The backed-up Namespace objects, by name. */
  namespaces: Map<string, Item>;
  /** The backed-up PersistentVolumeClaims' labels, by `ns/name`. */
  claims: Map<string, Record<string, string>>;
  formatVersion?: string;
  itemCount: number;
}

/**
 * Reads the archive through; an unsafe entry (absolute path, `..`, a link) or one past the limits
 * (an item too big, an archive that decompresses to too much) rejects the whole backup, before
 * the restore has written anything.
 */
export async function indexBackup(archive: Readable, limits: RestoreLimits): Promise<BackupIndex> {
  const spool = await ItemSpool.create();
  const namespaceIds = new Map<string, number>();
  const namespaceNames: string[] = [];
  const namespaceId = (ns: string) => {
    let id = namespaceIds.get(ns);
    if (id === undefined) namespaceIds.set(ns, (id = namespaceNames.push(ns) - 1));
    return id;
  };
  const index: BackupIndex = {
    spool,
    byResource: new Map(),
    namespaces: new Map(),
    claims: new Map(),
    itemCount: 0,
  };
  try {
    const entries = readBackupArchive(archive, {
      maxEntryBytes: limits.itemMaxBytes,
      maxTotalBytes: limits.archiveMaxBytes,
      onFormatVersion: (v) => (index.formatVersion = v),
      // Each item is in the archive twice; the top-level copy is the one restored.
      topLevelOnly: true,
    });
    for await (const entry of entries) {
      let items = index.byResource.get(entry.groupResource);
      if (!items)
        index.byResource.set(entry.groupResource, (items = new ResourceItems(spool, namespaceNames)));
      await items.add(entry.namespace ? namespaceId(entry.namespace) : undefined, entry.name, entry.data);
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
