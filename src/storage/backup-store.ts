import { Readable } from "node:stream";
import type { BackupOperation, RestoreOperation } from "../items/item-operation.js";
import type { Backup, DownloadTarget, PodVolumeBackup } from "../api/v1/index.js";
import { gunzipJson, gzipJson } from "../encoding/gzip-json.js";
import type { VolumeSnapshot, VolumeSnapshotContent } from "../api/csi-snapshots.js";
import type { NativeVolumeSnapshot } from "../volumes/native-snapshots.js";
import type { BackupVolumeInfo } from "../backup/volume-info.js";
import * as keys from "./keys.js";
import { MAX_BACKUP_METADATA_BYTES, parseStoredBackup, textOfAtMost } from "./stored-backup.js";
import { ObjectNotFoundError, type ObjectStore } from "./object-store.js";

type Body = Readable | Buffer;

/** The files of one backup; the .gz parts arrive gzipped and are stored as they are. */
export interface BackupParts {
  metadata: Backup;
  contents: Body;
  log: Body;
  results: Body;
  resourceList: Body;
  volumeInfo: Body;
  /**
   * The pod volume backups and native volume snapshots taken. Velero writes `null` when it took
   * none of a kind (a list never started), and `[]` for item operations when there are none.
   */
  podVolumeBackups: object[] | null;
  volumeSnapshots: object[] | null;
  itemOperations: BackupOperation[];
  /** The CSI VolumeSnapshots, contents and classes the backup holds; each `null` when it took none. */
  csiSnapshots?: CsiSideFiles;
}

export interface CsiSideFiles {
  snapshots: object[] | null;
  contents: object[] | null;
  classes: object[] | null;
}

/** The CSI side files, written only for a backup that took CSI snapshots. */
async function csiUploads(name: string, files: CsiSideFiles | undefined): Promise<[string, Buffer][]> {
  if (!files?.snapshots) return [];
  return [
    [keys.backupCsiVolumeSnapshotsKey(name), await gzipJson(files.snapshots)],
    [keys.backupCsiVolumeSnapshotContentsKey(name), await gzipJson(files.contents)],
    [keys.backupCsiVolumeSnapshotClassesKey(name), await gzipJson(files.classes)],
  ];
}

/** Velero's layout of backups and restores in one backup storage location (under its prefix). */
export class BackupStore {
  /** "" or the prefix with one trailing "/". */
  private readonly root: string;

  constructor(
    private readonly store: ObjectStore,
    prefix = "",
  ) {
    this.root = prefix === "" || prefix.endsWith("/") ? prefix : `${prefix}/`;
  }

  /** Throws when the store cannot be listed or holds top-level directories Velero does not know. */
  async validate(): Promise<void> {
    const valid: readonly string[] = keys.VALID_TOP_LEVEL_DIRS;
    const invalid = (await this.store.listCommonPrefixes(this.root, "/"))
      .map((dir) => dir.slice(this.root.length, -1))
      .filter((dir) => !valid.includes(dir));
    // Velero's messages, which name at most three of them.
    if (invalid.length > 3)
      throw new Error(
        `Backup store contains ${invalid.length} invalid top-level directories: [${[...invalid.slice(0, 3), "..."].join(" ")}]`,
      );
    if (invalid.length > 0)
      throw new Error(`Backup store contains invalid top-level directories: [${invalid.join(" ")}]`);
  }

  /** Names of the complete backups: those whose velero-backup.json is there. */
  async listBackups(): Promise<string[]> {
    const backupsDir = this.key("backups/");
    const names: string[] = [];
    for (const key of await this.store.listObjects(backupsDir)) {
      const [name, file, ...rest] = key.slice(backupsDir.length).split("/");
      if (name && file === "velero-backup.json" && rest.length === 0) names.push(name);
    }
    return names.sort();
  }

  async backupExists(name: string): Promise<boolean> {
    return this.store.objectExists(this.key(keys.backupMetadataKey(name)));
  }

  /** The backup's velero-backup.json, or undefined when there is none; throws when it is malformed. */
  async getBackupMetadata(name: string): Promise<Backup | undefined> {
    let json: string;
    try {
      json = await textOfAtMost(
        await this.store.getObject(this.key(keys.backupMetadataKey(name))),
        MAX_BACKUP_METADATA_BYTES,
      );
    } catch (err) {
      if (err instanceof ObjectNotFoundError) return undefined;
      throw err;
    }
    return parseStoredBackup(json);
  }

  /**
   * Uploads every part, velero-backup.json last, so a backup is never listed before it is whole.
   * When an upload fails, what was uploaded of this backup is deleted, the parts' streams are
   * destroyed and the error rethrown.
   */
  async putBackup(name: string, parts: BackupParts): Promise<void> {
    const uploads: [string, Body | string][] = [
      [keys.backupContentsKey(name), parts.contents],
      [keys.backupLogKey(name), parts.log],
      [keys.backupResultsKey(name), parts.results],
      [keys.backupResourceListKey(name), parts.resourceList],
      [keys.backupVolumeInfoKey(name), parts.volumeInfo],
      [keys.backupPodVolumeBackupsKey(name), await gzipJson(parts.podVolumeBackups)],
      [keys.backupVolumeSnapshotsKey(name), await gzipJson(parts.volumeSnapshots)],
      [keys.backupItemOperationsKey(name), await gzipJson(parts.itemOperations)],
      ...(await csiUploads(name, parts.csiSnapshots)),
    ];
    const attempted = uploads.map(([key]) => this.key(key));
    try {
      // The parts at once; velero-backup.json only after them, so a backup is listed only once whole.
      const settled = await Promise.allSettled(
        uploads.map(([key, body]) => this.store.putObject(this.key(key), body)),
      );
      const failed = settled.find((u) => u.status === "rejected");
      if (failed) throw failed.reason;
      const metadataKey = this.key(keys.backupMetadataKey(name));
      attempted.push(metadataKey);
      await this.store.putObject(metadataKey, `${JSON.stringify(parts.metadata, null, 2)}\n`);
    } catch (err) {
      for (const [, body] of uploads) if (body instanceof Readable) body.destroy();
      // Best effort: without velero-backup.json any leftover is never listed as a backup.
      await Promise.allSettled(attempted.map((key) => this.store.deleteObject(key)));
      throw err;
    }
  }

  /** Replaces the backup's item operations, as the controller does while it follows them. */
  async putBackupItemOperations(name: string, operations: BackupOperation[]): Promise<void> {
    return this.put(keys.backupItemOperationsKey(name), await gzipJson(operations));
  }

  /** The raw (gzipped) object streams of a backup; each throws ObjectNotFoundError when missing. */
  getBackupContents(name: string): Promise<Readable> {
    return this.get(keys.backupContentsKey(name));
  }

  getBackupLog(name: string): Promise<Readable> {
    return this.get(keys.backupLogKey(name));
  }

  getBackupResults(name: string): Promise<Readable> {
    return this.get(keys.backupResultsKey(name));
  }

  getBackupResourceList(name: string): Promise<Readable> {
    return this.get(keys.backupResourceListKey(name));
  }

  getBackupVolumeInfo(name: string): Promise<Readable> {
    return this.get(keys.backupVolumeInfoKey(name));
  }

  /** The backup's CSI snapshots and their contents; none for a backup that took none. */
  async getBackupCsiSnapshots(
    name: string,
  ): Promise<{ snapshots: VolumeSnapshot[]; contents: VolumeSnapshotContent[] }> {
    return {
      snapshots: await this.listFile<VolumeSnapshot>(keys.backupCsiVolumeSnapshotsKey(name)),
      contents: await this.listFile<VolumeSnapshotContent>(keys.backupCsiVolumeSnapshotContentsKey(name)),
    };
  }

  /** The backup's PodVolumeBackups (`<b>-podvolumebackups.json.gz`), none when it has no such file. */
  getBackupPodVolumeBackups(name: string): Promise<PodVolumeBackup[]> {
    return this.listFile<PodVolumeBackup>(keys.backupPodVolumeBackupsKey(name));
  }

  /** The backup's volume info entries (`<b>-volumeinfo.json.gz`); none for a backup without the file (an older Velero's). */
  getBackupVolumeInfos(name: string): Promise<BackupVolumeInfo[]> {
    return this.listFile<BackupVolumeInfo>(keys.backupVolumeInfoKey(name));
  }

  /** The backup's native volume snapshots (`<b>-volumesnapshots.json.gz`); none when it took none. */
  getBackupVolumeSnapshots(name: string): Promise<NativeVolumeSnapshot[]> {
    return this.listFile<NativeVolumeSnapshot>(keys.backupVolumeSnapshotsKey(name));
  }

  /** A gzipped JSON list; a missing file or `null` is an empty list. */
  private async listFile<T>(key: string): Promise<T[]> {
    try {
      return (await gunzipJson<T[] | null>(await this.get(key))) ?? [];
    } catch (err) {
      if (err instanceof ObjectNotFoundError) return [];
      throw err;
    }
  }

  /** Deletes every object of the backup, velero-backup.json first so it is no longer listed. */
  async deleteBackup(name: string): Promise<void> {
    const metadataKey = this.key(keys.backupMetadataKey(name));
    await this.store.deleteObject(metadataKey);
    const failures: string[] = [];
    for (const key of await this.store.listObjects(this.key(keys.backupDir(name)))) {
      await this.store.deleteObject(key).catch((err: unknown) => failures.push((err as Error).message));
    }
    if (failures.length > 0)
      throw new Error(`deleting backup "${name}" left ${failures.length} object(s): ${failures.join("; ")}`);
  }

  /** Deletes every file of a restore. */
  async deleteRestore(name: string): Promise<void> {
    for (const key of await this.store.listObjects(this.key(keys.restoreDir(name)))) {
      await this.store.deleteObject(key);
    }
  }

  /** A restore's files, stored as given (already gzipped). */
  putRestoreLog(restore: string, body: Body): Promise<void> {
    return this.put(keys.restoreLogKey(restore), body);
  }

  putRestoreResults(restore: string, body: Body): Promise<void> {
    return this.put(keys.restoreResultsKey(restore), body);
  }

  putRestoreResourceList(restore: string, body: Body): Promise<void> {
    return this.put(keys.restoreResourceListKey(restore), body);
  }

  putRestoreVolumeInfo(restore: string, body: Body): Promise<void> {
    return this.put(keys.restoreVolumeInfoKey(restore), body);
  }

  async putRestoreItemOperations(restore: string, operations: RestoreOperation[]): Promise<void> {
    return this.put(keys.restoreItemOperationsKey(restore), await gzipJson(operations));
  }

  getRestoreLog(restore: string): Promise<Readable> {
    return this.get(keys.restoreLogKey(restore));
  }

  getRestoreResults(restore: string): Promise<Readable> {
    return this.get(keys.restoreResultsKey(restore));
  }

  getRestoreResourceList(restore: string): Promise<Readable> {
    return this.get(keys.restoreResourceListKey(restore));
  }

  getRestoreVolumeInfo(restore: string): Promise<Readable> {
    return this.get(keys.restoreVolumeInfoKey(restore));
  }

  /** The stored bytes of the file a DownloadRequest names; throws ObjectNotFoundError when missing. */
  getDownloadTarget(target: DownloadTarget): Promise<Readable> {
    return this.get(keys.downloadTargetKey(target));
  }

  /** A presigned URL to that file, or undefined when the store cannot sign URLs (filesystem). */
  async downloadTargetUrl(target: DownloadTarget, ttlMs: number): Promise<string | undefined> {
    return this.store.signedUrl?.(this.key(keys.downloadTargetKey(target)), ttlMs);
  }

  private key(relative: string): string {
    return `${this.root}${relative}`;
  }

  private get(relative: string): Promise<Readable> {
    return this.store.getObject(this.key(relative));
  }

  private put(relative: string, body: Body): Promise<void> {
    return this.store.putObject(this.key(relative), body);
  }
}
