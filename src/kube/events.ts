import type { KubeClient } from "./client.js";

/** The object an Event is about. */
export interface InvolvedObject {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
  uid?: string;
}

const COMPONENT = "velero-ts-server";

/**
 * Records a Warning Event on an object, so `kubectl describe` shows it with the object. Best
 * effort: an Event that cannot be written is not worth failing the work that raised it.
 */
export async function recordWarning(
  client: KubeClient,
  about: InvolvedObject,
  reason: string,
  message: string,
): Promise<void> {
  const now = new Date().toISOString();
  await client
    .request("POST", `/api/v1/namespaces/${about.namespace}/events`, {
      body: {
        apiVersion: "v1",
        kind: "Event",
        metadata: { generateName: `${about.name}.`, namespace: about.namespace },
        involvedObject: about,
        reason,
        message,
        type: "Warning",
        source: { component: COMPONENT },
        reportingComponent: COMPONENT,
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      },
    })
    .catch(() => undefined);
}
