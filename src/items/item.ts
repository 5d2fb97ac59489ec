/**
 * An item: one Kubernetes object as a backup holds it, in the plain form both engines work on
 * (the collector writes it, the restore planner reads it, the item actions change it).
 */
export interface Item {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    managedFields?: { fieldsV1?: unknown }[];
    [field: string]: unknown;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  [field: string]: unknown;
}

/** An object's identity within its resource: `ns/name`, or the name of a cluster-scoped one. */
export function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/**
 * An item named by its group-resource, as an item action names the items it adds (Velero's
 * ResourceIdentifier). `namespace` is absent for a cluster-scoped item.
 */
export interface ResourceIdentifier {
  groupResource: string;
  namespace?: string;
  name: string;
}
