import { promises as fs } from "node:fs";
import path from "node:path";
import {
  ApiextensionsV1Api,
  CustomObjectsApi,
  KubeConfig,
  StorageV1Api,
  type V1CustomResourceDefinition,
} from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import { CSI_VOLUMESNAPSHOT_CLASS_LABEL } from "../../api/labels.js";
import { sleep } from "../processes.js";
import {
  CSI_DRIVER,
  DEFAULT_SNAPSHOT_CLASS_ANNOTATION,
  DEFAULT_STORAGE_CLASS,
  DEFAULT_STORAGE_CLASS_ANNOTATION,
  IMMEDIATE_STORAGE_CLASS,
  SNAPSHOT_CLASS,
  SNAPSHOT_GROUP,
  SNAPSHOT_VERSION,
} from "./names.js";
import { statusCode } from "../../kube/errors.js";

/**
 * Installs what the local CSI driver brings to a cluster: the snapshot CRDs (from the
 * external-snapshotter client module), its CSIDriver, the default StorageClass, an
 * Immediate-binding StorageClass and the VolumeSnapshotClass Velero picks for it.
 * Objects that exist are left as the user may have changed them.
 */
export async function installDriver(kc: KubeConfig, crdDir: string): Promise<void> {
  await installSnapshotCrds(kc, crdDir);
  const storage = kc.makeApiClient(StorageV1Api);
  await createIfMissing(() =>
    storage.createCSIDriver({
      body: {
        metadata: { name: CSI_DRIVER },
        spec: { attachRequired: false, podInfoOnMount: false, volumeLifecycleModes: ["Persistent"] },
      },
    }),
  );
  for (const [name, mode] of [
    [DEFAULT_STORAGE_CLASS, "WaitForFirstConsumer"],
    [IMMEDIATE_STORAGE_CLASS, "Immediate"],
  ] as const) {
    await createIfMissing(() =>
      storage.createStorageClass({
        body: {
          metadata: {
            name,
            annotations: name === DEFAULT_STORAGE_CLASS ? { [DEFAULT_STORAGE_CLASS_ANNOTATION]: "true" } : {},
          },
          provisioner: CSI_DRIVER,
          reclaimPolicy: "Delete",
          volumeBindingMode: mode,
          allowVolumeExpansion: true,
        },
      }),
    );
  }
  const custom = kc.makeApiClient(CustomObjectsApi);
  await createIfMissing(() =>
    custom.createClusterCustomObject({
      group: SNAPSHOT_GROUP,
      version: SNAPSHOT_VERSION,
      plural: "volumesnapshotclasses",
      body: {
        apiVersion: `${SNAPSHOT_GROUP}/${SNAPSHOT_VERSION}`,
        kind: "VolumeSnapshotClass",
        metadata: {
          name: SNAPSHOT_CLASS,
          labels: { [CSI_VOLUMESNAPSHOT_CLASS_LABEL]: "true" },
          annotations: { [DEFAULT_SNAPSHOT_CLASS_ANNOTATION]: "true" },
        },
        driver: CSI_DRIVER,
        deletionPolicy: "Delete",
      },
    }),
  );
}

async function installSnapshotCrds(kc: KubeConfig, crdDir: string): Promise<void> {
  const api = kc.makeApiClient(ApiextensionsV1Api);
  const names: string[] = [];
  for (const file of (await fs.readdir(crdDir)).sort()) {
    const text = await fs.readFile(path.join(crdDir, file), "utf8");
    for (const doc of parseAllDocuments(text)) {
      const crd = doc.toJS() as V1CustomResourceDefinition | null;
      if (crd?.kind !== "CustomResourceDefinition") continue;
      names.push(crd.metadata!.name!);
      await createIfMissing(() => api.createCustomResourceDefinition({ body: crd }));
    }
  }
  const deadline = Date.now() + 60_000;
  for (const name of names) {
    for (;;) {
      const crd = await api.readCustomResourceDefinition({ name });
      if (crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")) break;
      if (Date.now() > deadline) throw new Error(`CRD ${name} was not established within 60s`);
      await sleep(200);
    }
  }
}

async function createIfMissing(create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (err) {
    if (statusCode(err) !== 409) throw err;
  }
}
