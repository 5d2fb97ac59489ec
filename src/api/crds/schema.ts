// Building blocks for the CRDs' OpenAPI v3 schemas, written as the API server reads them
// (`enum`, `x-kubernetes-...`), so they read like the manifests `kubectl get crd -o yaml` shows.

/** An OpenAPI v3 schema in the wire format of apiextensions.k8s.io/v1. */
export interface JsonSchema {
  type?: "object" | "array" | "string" | "boolean" | "integer";
  description?: string;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema;
  items?: JsonSchema;
  required?: string[];
  enum?: readonly string[];
  default?: unknown;
  nullable?: boolean;
  format?: "date-time" | "byte";
  minItems?: number;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
}

export function string(description: string): JsonSchema {
  return { type: "string", description };
}

/** A Go duration ("720h0m0s", "10m"); Velero keeps these as strings. */
export function duration(description: string, nullable = false): JsonSchema {
  return {
    type: "string",
    description: `${description} A Go duration, e.g. 720h0m0s.`,
    ...nullableIf(nullable),
  };
}

export function timestamp(description: string): JsonSchema {
  return { type: "string", format: "date-time", nullable: true, description };
}

export function integer(description: string): JsonSchema {
  return { type: "integer", description };
}

export function boolean(description: string): JsonSchema {
  return { type: "boolean", description };
}

/** A boolean whose absence means something (Velero's *bool): null and unset are allowed. */
export function optionalBoolean(description: string): JsonSchema {
  return { type: "boolean", nullable: true, description };
}

export function oneOf(values: readonly string[], description: string, nullable = false): JsonSchema {
  return { type: "string", enum: values, description, ...nullableIf(nullable) };
}

export function stringList(description: string): JsonSchema {
  return { type: "array", items: { type: "string" }, nullable: true, description };
}

export function listOf(items: JsonSchema, description: string): JsonSchema {
  return { type: "array", items, nullable: true, description };
}

export function stringMap(description: string, nullable = false): JsonSchema {
  return { type: "object", additionalProperties: { type: "string" }, description, ...nullableIf(nullable) };
}

export function object(
  description: string,
  properties: Record<string, JsonSchema>,
  options: { required?: string[]; nullable?: boolean } = {},
): JsonSchema {
  return {
    type: "object",
    description,
    properties,
    ...(options.required ? { required: options.required } : {}),
    ...nullableIf(options.nullable ?? false),
  };
}

function nullableIf(nullable: boolean): { nullable?: true } {
  return nullable ? { nullable: true } : {};
}

/** A metav1.LabelSelector. */
export function labelSelector(description: string): JsonSchema {
  return object(
    description,
    {
      matchLabels: stringMap("Labels an object must all carry, with these values."),
      matchExpressions: {
        type: "array",
        description: "Requirements an object's labels must all meet.",
        items: object(
          "One requirement on a label.",
          {
            key: string("The label's name."),
            operator: string("In, NotIn, Exists or DoesNotExist."),
            values: { type: "array", items: { type: "string" } },
          },
          { required: ["key", "operator"] },
        ),
      },
    },
    { nullable: true },
  );
}

/** A key of a Secret in the object's own namespace. */
export function secretKeySelector(description: string): JsonSchema {
  return object(
    description,
    {
      name: string("The Secret's name."),
      key: string("The key within the Secret."),
      optional: boolean("Whether the Secret or its key may be missing."),
    },
    { required: ["key"] },
  );
}

/** A reference to a ConfigMap holding a policy (resource policies, resource modifiers). */
export function typedLocalObjectReference(description: string, nullable = false): JsonSchema {
  return object(
    description,
    {
      apiGroup: string("The referenced object's API group; empty for the core group."),
      kind: string("The referenced object's kind, e.g. configmap."),
      name: string("The referenced object's name."),
    },
    { required: ["kind", "name"], nullable },
  );
}

/** Counters of the hooks a backup or restore ran. */
export function hookStatus(): JsonSchema {
  return object(
    "How many hooks ran and how many of them failed.",
    {
      hooksAttempted: integer("Hooks attempted."),
      hooksFailed: integer("Hooks that failed."),
    },
    { nullable: true },
  );
}

/** The selection a backup or restore hook applies to, shared by both kinds of hooks. */
export function hookSelection(): Record<string, JsonSchema> {
  return {
    name: string("The hook's name, for logs and results."),
    includedNamespaces: stringList("Namespaces whose pods the hook applies to; empty means all."),
    excludedNamespaces: stringList("Namespaces whose pods the hook skips."),
    includedResources: stringList("Resources the hook applies to; empty means all."),
    excludedResources: stringList("Resources the hook skips."),
    labelSelector: labelSelector("Only pods with these labels."),
  };
}

export const HOOK_ON_ERROR = ["Continue", "Fail"] as const;
