import { createHash } from "node:crypto";
import { LABEL_VALUE_MAX } from "../api/labels.js";

/** Characters of a hash suffix that replaces the end of a too-long label value. */
const HASH_CHARS = 6;

/**
 * A label value Kubernetes accepts, as Velero derives it (e.g. a backup name in
 * `velero.io/backup-name`): values over 63 characters become their first 57 characters
 * followed by the first 6 hex characters of the whole value's sha256.
 */
export function labelValue(value: string): string {
  if (value.length <= LABEL_VALUE_MAX) return value;
  const hash = createHash("sha256").update(value).digest("hex");
  return value.slice(0, LABEL_VALUE_MAX - HASH_CHARS) + hash.slice(0, HASH_CHARS);
}
