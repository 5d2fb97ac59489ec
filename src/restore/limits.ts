/**
 * How much of a backup a restore reads. A storage location is shared, so an archive may be made
 * to exhaust the server: these bound what one restore decompresses (and so its temporary disk,
 * which holds each item once) and the size of any one item.
 */
import { bytesToQuantity } from "../api/quantity.js";
import { ArchiveLimitError } from "../archive/backup-archive-reader.js";

export interface RestoreLimits {
  /** The largest item; the API server itself refuses a request body over 3 MiB. */
  itemMaxBytes: number;
  /** The most the whole archive may decompress to. */
  archiveMaxBytes: number;
}

export const DEFAULT_RESTORE_LIMITS: RestoreLimits = {
  itemMaxBytes: 3 * 2 ** 20,
  archiveMaxBytes: 4 * 2 ** 30,
};

export const ITEM_LIMIT_FLAG = "--restore-item-size-limit";
export const ARCHIVE_LIMIT_FLAG = "--restore-archive-size-limit";

/** What to tell the user when an archive is over a limit: which one, and the flag that sets it. */
export function limitMessage(error: ArchiveLimitError): string {
  const flag = error.limit === "entry" ? ITEM_LIMIT_FLAG : ARCHIVE_LIMIT_FLAG;
  const setting = `the server's ${flag} (${bytesToQuantity(error.limitBytes)})`;
  return error.limit === "entry"
    ? `${error.message}, ${setting}; the API server refuses an object over 3 MiB anyway`
    : `${error.message}, ${setting}: raise it to restore this backup`;
}
