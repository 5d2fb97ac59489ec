import assert from "node:assert/strict";
import { test } from "node:test";
import type { V1PersistentVolumeClaim, V1Pod } from "@kubernetes/client-node";
import type { RestoreSpec } from "../../src/api/v1/index.js";
import { restoreFromFlags } from "../../src/cli/restore/create.js";
import { validateVolumeDataSpec, volumeDataOptions } from "../../src/volumes/data-only-options.js";
import { volumeDataProblems, type VolumeDataTarget } from "../../src/volumes/data-only-targets.js";

const inPlace = volumeDataOptions({ dataOnly: true })!;

function claim(
  fields: { volume?: string; phase?: string; mode?: string; capacity?: string; uid?: string } = {},
) {
  return {
    metadata: { name: "data", namespace: "shop", uid: fields.uid ?? "uid-now" },
    spec: {
      storageClassName: "standard",
      volumeName: fields.volume ?? "pv-now",
      ...(fields.mode ? { volumeMode: fields.mode } : {}),
    },
    status: { phase: fields.phase ?? "Bound", capacity: { storage: fields.capacity ?? "1Gi" } },
  } as V1PersistentVolumeClaim;
}

function target(fields: Partial<VolumeDataTarget> = {}): VolumeDataTarget {
  return {
    source: "shop/data",
    namespace: "shop",
    name: "data",
    data: {
      method: "PodVolumeBackup",
      from: "pod volume backup b-1",
      kopia: {
        snapshotID: "abc",
        repositoryNamespace: "shop",
        backupStorageLocation: "default",
        bytes: 2 ** 20,
      },
    },
    backedUp: { uid: "uid-then", volumeName: "pv-then" },
    claim: claim(),
    pods: [],
    workloads: [],
    unscalable: [],
    ...fields,
  };
}

const pod = (name: string) => ({ metadata: { name } }) as V1Pod;

test("a claim with file-system data, made again since the backup (another uid, another volume), bound and unused, passes the pre-flight", () => {
  assert.deepEqual(volumeDataProblems([target()], inPlace, "b"), { errors: [], warnings: new Map() });
});

test("a backup with no volume data for the claims of a data-only restore is refused, saying what to pick", () => {
  const { errors } = volumeDataProblems([target({ data: undefined })], inPlace, "nightly");
  assert.equal(errors.length, 1);
  assert.match(errors[0]!, /^backup nightly holds no volume data for the claims this restore takes/);
});

test("a claim smaller than its backed-up data is refused, with the sizes and what to change", () => {
  const big = target({ claim: claim({ capacity: "1Mi" }) });
  big.data!.kopia!.bytes = 3 * 2 ** 20;
  assert.deepEqual(volumeDataProblems([big], inPlace, "b").errors, [
    "claim shop/data holds 1Mi, less than the 3.0 MiB of its backed-up data (pod volume backup b-1): expand the claim first, or use --data-only-mode replace",
  ]);
});

test("the claim backed up, now bound to another volume, is refused", () => {
  const rebound = target({ claim: claim({ uid: "uid-then", volume: "pv-other" }) });
  const [error, ...more] = volumeDataProblems([rebound], inPlace, "b").errors;
  assert.equal(more.length, 0);
  assert.match(
    error!,
    /^claim shop\/data is bound to volume pv-other, but at backup time it was bound to pv-then/,
  );
});

test("a block-mode claim is refused in place, pointing to replace", () => {
  const [error] = volumeDataProblems([target({ claim: claim({ mode: "Block" }) })], inPlace, "b").errors;
  assert.match(error!, /block-mode volume: .*use --data-only-mode replace$/);
});

test("a claim whose data is a CSI snapshot cannot be written in place", () => {
  const csi = target({ data: { method: "CSISnapshot", from: "CSI snapshot shop/velero-data-x" } });
  const [error] = volumeDataProblems([csi], inPlace, "b").errors;
  assert.match(error!, /^claim shop\/data: its data is a CSI snapshot \(CSI snapshot shop\/velero-data-x\)/);
  assert.match(error!, /use --data-only-mode replace/);
});

test("a claim in use by running pods is refused by default, naming them and the two ways on", () => {
  const [error] = volumeDataProblems([target({ pods: [pod("app-1"), pod("app-2")] })], inPlace, "b").errors;
  assert.match(error!, /^claim shop\/data is in use by pods shop\/app-1, shop\/app-2/);
  assert.match(error!, /--stop-workloads .* or --allow-running-pods/);
});

test("--stop-workloads refuses a claim that a Job's pod uses, which it cannot stop and start again", () => {
  const options = volumeDataOptions({ dataOnly: true, runningPods: "stop-workloads" })!;
  const used = target({ pods: [pod("migrate-x")], unscalable: ["migrate-x (owned by Job migrate)"] });
  const [error] = volumeDataProblems([used], options, "b").errors;
  assert.match(
    error!,
    /^claim shop\/data is in use by shop\/migrate-x \(owned by Job migrate\), which --stop-workloads cannot stop and start again/,
  );
});

const replace = volumeDataOptions({ dataOnly: true, dataOnlyMode: "replace" })!;
const csi = () =>
  target({
    data: {
      method: "CSISnapshot",
      from: "CSI snapshot shop/velero-data-x",
      csi: {
        namespace: "shop",
        name: "velero-data-x",
        handle: "snap-1",
        driver: "d",
        restoreSizeBytes: 2 ** 30,
      },
    },
  });

test("a replace takes a CSI snapshot, which in place cannot", () => {
  assert.deepEqual(volumeDataProblems([csi()], replace, "b").errors, []);
});

test("a replace refuses a storage class mapping to a class the cluster lacks", () => {
  const mapped = { ...csi(), mappedClass: "fast" };
  assert.deepEqual(volumeDataProblems([mapped], replace, "b", new Set(["standard"])).errors, [
    "claim shop/data: storage class fast, which --storage-class-mapping maps standard to, does not exist: create it, or fix the mapping",
  ]);
});

test("a replace refuses --allow-running-pods and in-place options, saying why", () => {
  assert.deepEqual(
    validateVolumeDataSpec({
      dataOnly: true,
      dataOnlyMode: "replace",
      runningPods: "allow",
      dataOnlyIncludePaths: ["a"],
    }),
    [
      "--include-paths restores parts of a volume in place: use it with --data-only-mode in-place",
      "--allow-running-pods applies to in-place writes; a replace always stops the workloads using a claim to re-point them: drop it",
    ],
  );
});

test("a storage class mapping without a replace is refused", () => {
  assert.deepEqual(validateVolumeDataSpec({ dataOnly: true, storageClassMapping: { standard: "fast" } }), [
    "storageClassMapping (--storage-class-mapping) makes the new volumes of a replace in other classes: use it with --data-only-mode replace",
  ]);
});

test("a backed-up claim with no claim of its name in the cluster is a warning of a data-only restore, not an error", () => {
  const { errors, warnings } = volumeDataProblems([target({ claim: undefined })], inPlace, "b");
  assert.deepEqual(errors, []);
  assert.match(warnings.get("shop/data")!, /is not in the cluster, .*a data-only restore creates nothing/);
});

test("Velero's existingVolumeDataPolicy full and incremental write in place without --data-only; none does not", () => {
  assert.equal(volumeDataOptions({ existingVolumeDataPolicy: "incremental" })?.policy, "incremental");
  assert.equal(volumeDataOptions({ existingVolumeDataPolicy: "full" })?.dataOnly, false);
  assert.equal(volumeDataOptions({ existingVolumeDataPolicy: "none" }), undefined);
});

test("data-only fields without a data-only restore are refused, saying what to add", () => {
  const spec: RestoreSpec = { dataOnlyIncludePaths: ["reports"], uploaderConfig: { deleteExtraFiles: true } };
  assert.deepEqual(validateVolumeDataSpec(spec), [
    "dataOnlyIncludePaths (--include-paths), uploaderConfig.deleteExtraFiles (--delete-extra-files) only apply to a restore of volume data into existing claims: add --data-only, or --existing-volume-data-policy full|incremental",
  ]);
});

test("an include path outside the volume is refused", () => {
  assert.deepEqual(validateVolumeDataSpec({ dataOnly: true, dataOnlyIncludePaths: ["../etc"] }), [
    'include path "../etc" must be a path inside the volume, relative to its root, such as data/2026',
  ]);
});

test("an unknown data-only mode is refused with the modes there are", () => {
  assert.deepEqual(validateVolumeDataSpec({ dataOnly: true, dataOnlyMode: "swap" as "replace" }), [
    'data-only mode "swap" is not one of in-place, replace',
  ]);
});

test("restore create --data-only --stop-workloads --include-paths makes Velero-shaped spec fields", () => {
  const restore = restoreFromFlags(
    "r1",
    {
      namespace: "velero",
      fromBackup: "b1",
      dataOnly: true,
      stopWorkloads: true,
      includePaths: ["reports"],
      deleteExtraFiles: true,
      existingVolumeDataPolicy: "incremental",
    },
    "velero",
  );
  assert.deepEqual(
    {
      dataOnly: restore.spec.dataOnly,
      runningPods: restore.spec.runningPods,
      paths: restore.spec.dataOnlyIncludePaths,
      policy: restore.spec.existingVolumeDataPolicy,
      uploader: restore.spec.uploaderConfig,
    },
    {
      dataOnly: true,
      runningPods: "stop-workloads",
      paths: ["reports"],
      policy: "incremental",
      uploader: { deleteExtraFiles: true },
    },
  );
});

test("restore create refuses --stop-workloads with --allow-running-pods", () => {
  assert.throws(
    () =>
      restoreFromFlags(
        "r1",
        {
          namespace: "velero",
          fromBackup: "b1",
          dataOnly: true,
          stopWorkloads: true,
          allowRunningPods: true,
        },
        "velero",
      ),
    /--stop-workloads and --allow-running-pods cannot be used together/,
  );
});
