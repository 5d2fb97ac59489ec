/**
 * What `backup delete` does to the CSI snapshots a backup took: each whose content had deletion
 * policy Delete when it was taken (Velero's `velero.io/csi-vsc-deletion-policy`) is deleted from
 * the storage, through its content set back to Delete; a snapshot taken under Retain, or made by
 * anyone else, is left alone. When the content is gone from the cluster (another cluster, or
 * removed by hand), a pre-provisioned one is made for the handle and deleted, as Velero does.
 */
import { createHash } from "node:crypto";
import type { VolumeSnapshot, VolumeSnapshotContent } from "../api/csi-snapshots.js";
import {
  CSI_DRIVER_NAME_ANNOTATION,
  CSI_VOLUMESNAPSHOT_HANDLE_ANNOTATION,
  CSI_VSC_DELETION_POLICY_ANNOTATION,
} from "../api/labels.js";
import type { KubeClient } from "../kube/client.js";
import { errorMessage, isAlreadyExists, isNotFound } from "../kube/errors.js";
import { SNAPSHOT_API, snapshotContentsPath } from "./csi-paths.js";

const MERGE_PATCH = "application/merge-patch+json";

/** Deletes the backup's snapshots; returns an error for each that could not be deleted. */
export async function deleteCsiSnapshots(
  client: KubeClient,
  snapshots: VolumeSnapshot[],
  contents: VolumeSnapshotContent[],
): Promise<string[]> {
  const errors: string[] = [];
  for (const vs of snapshots) {
    const a = vs.metadata?.annotations ?? {};
    const handle = a[CSI_VOLUMESNAPSHOT_HANDLE_ANNOTATION];
    const driver = a[CSI_DRIVER_NAME_ANNOTATION];
    if (!handle || !driver || a[CSI_VSC_DELETION_POLICY_ANNOTATION] !== "Delete") continue;
    const named = `${vs.metadata?.namespace}/${vs.metadata?.name}`;
    try {
      const recorded = contents.find((c) => c.metadata?.name === vs.status?.boundVolumeSnapshotContentName);
      const live = recorded?.metadata?.name
        ? await contentIfHolds(client, recorded.metadata.name, handle)
        : undefined;
      const name = live ?? (await preProvision(client, vs, handle, driver));
      if (live) {
        await client.request("PATCH", `${snapshotContentsPath()}/${name}`, {
          body: { spec: { deletionPolicy: "Delete" } },
          contentType: MERGE_PATCH,
        });
      }
      await client.request("DELETE", `${snapshotContentsPath()}/${name}`);
    } catch (err) {
      errors.push(`error deleting CSI snapshot ${handle} of VolumeSnapshot ${named}: ${errorMessage(err)}`);
    }
  }
  return errors;
}

/** The content's name if the cluster still holds it for this snapshot handle. */
async function contentIfHolds(client: KubeClient, name: string, handle: string): Promise<string | undefined> {
  try {
    const content = await client.get<VolumeSnapshotContent>(`${snapshotContentsPath()}/${name}`);
    const holds = content.status?.snapshotHandle ?? content.spec?.source?.snapshotHandle;
    return holds === handle ? name : undefined;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** A pre-provisioned content of the handle with policy Delete, so deleting it deletes the snapshot. */
async function preProvision(
  client: KubeClient,
  vs: VolumeSnapshot,
  handle: string,
  driver: string,
): Promise<string> {
  const name = `velero-delete-${createHash("sha256").update(handle).digest("hex").slice(0, 40)}`;
  const body: VolumeSnapshotContent = {
    apiVersion: SNAPSHOT_API,
    kind: "VolumeSnapshotContent",
    metadata: { name },
    spec: {
      deletionPolicy: "Delete",
      driver,
      source: { snapshotHandle: handle },
      volumeSnapshotRef: {
        apiVersion: SNAPSHOT_API,
        kind: "VolumeSnapshot",
        namespace: vs.metadata?.namespace ?? "",
        name: vs.metadata?.name ?? "",
      },
    },
  };
  try {
    await client.request("POST", snapshotContentsPath(), { body });
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
  return name;
}
