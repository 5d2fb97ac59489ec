import {
  ApiException,
  KubernetesObjectApi,
  type KubeConfig,
  type KubernetesObject,
  type V1CustomResourceDefinition,
} from "@kubernetes/client-node";

const CRD_KIND = "CustomResourceDefinition";
const ESTABLISHED_TIMEOUT_MS = 60_000;
/** After a CRD is Established its kind can take a moment to appear in discovery. */
const DISCOVERY_GRACE_MS = 10_000;
const CONFLICT_RETRIES = 5;

type Outcome = "created" | "already exists, updated" | "already exists, unchanged";

/**
 * Creates each object in order, or updates it when it exists, keeping what the cluster added
 * (status, extra labels, fields install does not set); running it again is harmless. Every CRD
 * is Established before the first object after it is applied. Reports one line per object.
 */
export async function applyInstall(
  kc: KubeConfig,
  objects: KubernetesObject[],
  log: (line: string) => void = () => undefined,
): Promise<void> {
  const client = KubernetesObjectApi.makeApiClient(kc);
  const pendingCrds: string[] = [];
  for (const object of objects) {
    if (object.kind !== CRD_KIND) await waitEstablished(client, pendingCrds.splice(0));
    const outcome = await withDiscoveryRetry(() => apply(client, object)).catch((err: unknown) => {
      throw new Error(`${describe(object)}: ${apiErrorMessage(err)}`);
    });
    log(`${describe(object)}: ${outcome}`);
    if (object.kind === CRD_KIND) pendingCrds.push(object.metadata!.name!);
  }
  await waitEstablished(client, pendingCrds);
}

async function apply(client: KubernetesObjectApi, desired: KubernetesObject): Promise<Outcome> {
  try {
    await client.create(desired);
    return "created";
  } catch (err) {
    if (!(err instanceof ApiException && err.code === 409)) throw err;
  }
  for (let attempt = 1; ; attempt++) {
    const existing = await client.read(header(desired));
    try {
      const updated = await client.replace(mergeIntoExisting(existing, desired));
      return updated.metadata?.resourceVersion === existing.metadata?.resourceVersion
        ? "already exists, unchanged"
        : "already exists, updated";
    } catch (err) {
      // Someone else (e.g. the server updating a location's status) wrote in between: read again.
      if (!(err instanceof ApiException && err.code === 409 && attempt < CONFLICT_RETRIES)) throw err;
    }
  }
}

/**
 * The existing object with install's fields in place of its own. Top-level fields install does
 * not set (status, a ServiceAccount's imagePullSecrets...) and labels and annotations others
 * added stay; managedFields are left out so the server keeps them.
 */
function mergeIntoExisting(existing: KubernetesObject, desired: KubernetesObject): KubernetesObject {
  const metadata = { ...existing.metadata };
  delete metadata.managedFields;
  return {
    ...existing,
    ...desired,
    metadata: {
      ...metadata,
      labels: { ...metadata.labels, ...desired.metadata?.labels },
      annotations: { ...metadata.annotations, ...desired.metadata?.annotations },
    },
  };
}

async function waitEstablished(client: KubernetesObjectApi, names: string[]): Promise<void> {
  const deadline = Date.now() + ESTABLISHED_TIMEOUT_MS;
  for (const name of names) {
    await waitOneEstablished(client, name, deadline).catch((err: unknown) => {
      throw new Error(`${CRD_KIND}/${name}: ${apiErrorMessage(err)}`);
    });
  }
}

async function waitOneEstablished(
  client: KubernetesObjectApi,
  name: string,
  deadline: number,
): Promise<void> {
  for (;;) {
    const crd = await client.read<V1CustomResourceDefinition>({
      apiVersion: "apiextensions.k8s.io/v1",
      kind: CRD_KIND,
      metadata: { name },
    });
    const conditions = crd.status?.conditions ?? [];
    if (conditions.some((c) => c.type === "Established" && c.status === "True")) return;
    if (Date.now() > deadline) {
      const why = conditions
        .filter((c) => c.status !== "True" && c.message)
        .map((c) => `${c.type}: ${c.message}`)
        .join("; ");
      throw new Error(`not Established after ${ESTABLISHED_TIMEOUT_MS / 1000}s${why ? ` (${why})` : ""}`);
    }
    await sleep(250);
  }
}

/** Retries while the object's kind is not (yet) in the API server's discovery. */
async function withDiscoveryRetry<T>(action: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + DISCOVERY_GRACE_MS;
  for (;;) {
    try {
      return await action();
    } catch (err) {
      const unknownKind =
        (err instanceof ApiException &&
          err.code === 404 &&
          err.message.startsWith("Failed to fetch resource metadata")) ||
        (err instanceof Error && err.message.startsWith("Unrecognized API version and kind"));
      if (!unknownKind || Date.now() > deadline) throw err;
    }
    await sleep(250);
  }
}

function header(o: KubernetesObject) {
  return {
    apiVersion: o.apiVersion!,
    kind: o.kind!,
    metadata: { name: o.metadata!.name!, namespace: o.metadata?.namespace },
  };
}

function describe(o: KubernetesObject): string {
  return `${o.kind}/${o.metadata?.name}`;
}

/** The API's own Status message when there is one, rather than the client's HTTP dump. */
function apiErrorMessage(err: unknown): string {
  if (err instanceof ApiException && typeof err.body === "string") {
    try {
      const status = JSON.parse(err.body) as { message?: string };
      if (status.message) return status.message;
    } catch {
      return `HTTP ${err.code}: ${err.body}`;
    }
  }
  return err instanceof Error ? err.message : String(err);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
