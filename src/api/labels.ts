/** Every Velero label and annotation name velero-ts reads or writes, in one place. */

/** Marks the VolumeSnapshotClass Velero uses for a CSI driver. */
export const CSI_VOLUMESNAPSHOT_CLASS_LABEL = "velero.io/csi-volumesnapshot-class";
