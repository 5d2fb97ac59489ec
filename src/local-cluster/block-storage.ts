import { randomUUID } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";

/** One disk snapshot of the simulated cloud provider. */
export interface BlockSnapshot {
  id: string;
  sourceVolume: string;
  /** The size of the disk it was taken from, in bytes: what a restored disk needs at least. */
  sizeBytes: number;
  createdAt: string;
}

interface VolumeMeta {
  handle: string;
  sizeBytes: number;
  createdAt: string;
  fromSnapshot?: string;
  fromVolume?: string;
}

/**
 * The block storage API of the simulated cloud: disks and disk snapshots, each a plain
 * directory under root. The CSI driver of local-cluster uses it for dynamic provisioning
 * and CSI snapshots, and a volume snapshotter can use it the way it uses a cloud's disks.
 * Every change is written to a temporary directory first and renamed into place.
 */
export class BlockStorage {
  constructor(readonly root: string) {}

  /** The directory holding a disk's files: what a pod sees at its mount point. */
  volumeDataPath(handle: string): string {
    return path.join(this.volumeDir(handle), "data");
  }

  async createVolume(sizeBytes: number): Promise<string> {
    return this.writeVolume({ sizeBytes }, async (data) => fs.mkdir(data));
  }

  async cloneVolume(sourceHandle: string, sizeBytes: number): Promise<string> {
    await this.requireVolume(sourceHandle);
    return this.writeVolume({ sizeBytes, fromVolume: sourceHandle }, (data) =>
      copyDir(this.volumeDataPath(sourceHandle), data),
    );
  }

  async createVolumeFromSnapshot(snapshotId: string, sizeBytes: number): Promise<string> {
    const snapshot = await this.getSnapshot(snapshotId);
    if (!snapshot) throw new Error(`snapshot ${snapshotId} does not exist`);
    return this.writeVolume(
      { sizeBytes: Math.max(sizeBytes, snapshot.sizeBytes), fromSnapshot: snapshotId },
      (data) => copyDir(path.join(this.snapshotDir(snapshotId), "data"), data),
    );
  }

  async volumeExists(handle: string): Promise<boolean> {
    return exists(path.join(this.volumeDir(handle), "volume.json"));
  }

  async deleteVolume(handle: string): Promise<void> {
    await fs.rm(this.volumeDir(handle), { recursive: true, force: true });
  }

  async createSnapshot(volumeHandle: string): Promise<BlockSnapshot> {
    const volume = await this.requireVolume(volumeHandle);
    const snapshot: BlockSnapshot = {
      id: `snap-${randomUUID()}`,
      sourceVolume: volumeHandle,
      sizeBytes: volume.sizeBytes,
      createdAt: new Date().toISOString(),
    };
    const dir = this.snapshotDir(snapshot.id);
    await writeAtomically(dir, async (tmp) => {
      await copyDir(this.volumeDataPath(volumeHandle), path.join(tmp, "data"));
      await fs.writeFile(path.join(tmp, "snapshot.json"), JSON.stringify(snapshot));
    });
    return snapshot;
  }

  async getSnapshot(id: string): Promise<BlockSnapshot | undefined> {
    if (!/^[A-Za-z0-9._-]+$/.test(id)) return undefined;
    try {
      return JSON.parse(
        await fs.readFile(path.join(this.snapshotDir(id), "snapshot.json"), "utf8"),
      ) as BlockSnapshot;
    } catch {
      return undefined;
    }
  }

  async deleteSnapshot(id: string): Promise<void> {
    await fs.rm(this.snapshotDir(id), { recursive: true, force: true });
  }

  private volumeDir(handle: string): string {
    return path.join(this.root, "volumes", safeName(handle));
  }

  private snapshotDir(id: string): string {
    return path.join(this.root, "snapshots", safeName(id));
  }

  private async requireVolume(handle: string): Promise<VolumeMeta> {
    try {
      return JSON.parse(
        await fs.readFile(path.join(this.volumeDir(handle), "volume.json"), "utf8"),
      ) as VolumeMeta;
    } catch {
      throw new Error(`volume ${handle} does not exist`);
    }
  }

  private async writeVolume(
    meta: Omit<VolumeMeta, "handle" | "createdAt">,
    fill: (dataDir: string) => Promise<unknown>,
  ): Promise<string> {
    const handle = `vol-${randomUUID()}`;
    const full: VolumeMeta = { handle, createdAt: new Date().toISOString(), ...meta };
    await writeAtomically(this.volumeDir(handle), async (tmp) => {
      await fill(path.join(tmp, "data"));
      await fs.writeFile(path.join(tmp, "volume.json"), JSON.stringify(full));
    });
    return handle;
  }
}

function safeName(name: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(name) || name === "." || name === "..") {
    throw new Error(`invalid block storage id ${JSON.stringify(name)}`);
  }
  return name;
}

async function writeAtomically(target: string, fill: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = `${target}.tmp-${randomUUID()}`;
  await fs.mkdir(tmp, { recursive: true });
  try {
    await fill(tmp);
    await fs.rename(tmp, target);
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

async function copyDir(from: string, to: string): Promise<void> {
  await fs.cp(from, to, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}
