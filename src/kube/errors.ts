/** An error answer of the Kubernetes API, with its Status reason and message. */
export class KubeApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly method: string,
    readonly path: string,
  ) {
    super(message);
    this.name = "KubeApiError";
  }
}

export function isNotFound(err: unknown): boolean {
  return err instanceof KubeApiError ? err.status === 404 : (err as { code?: unknown }).code === 404;
}

export function isConflict(err: unknown): boolean {
  return err instanceof KubeApiError ? err.status === 409 : (err as { code?: unknown }).code === 409;
}

export function isAlreadyExists(err: unknown): boolean {
  return err instanceof KubeApiError && err.status === 409 && err.reason === "AlreadyExists";
}

/** The message of any error, with the API's Status message when the error came from the API. */
export function errorMessage(err: unknown): string {
  if (err instanceof KubeApiError) return err.message;
  const body = (err as { body?: unknown }).body;
  if (typeof body === "string") {
    try {
      const status = JSON.parse(body) as { message?: string };
      if (status.message) return status.message;
    } catch {
      // not a Status: use the error's own message
    }
  }
  return err instanceof Error ? err.message : String(err);
}

/** The HTTP status of an API error (ours or @kubernetes/client-node's), if it has one. */
export function statusCode(err: unknown): number | undefined {
  if (err instanceof KubeApiError) return err.status;
  const code = (err as { code?: unknown }).code;
  return typeof code === "number" ? code : undefined;
}
