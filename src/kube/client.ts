import https from "node:https";
import tls from "node:tls";
import { URL } from "node:url";
import type { KubeConfig } from "@kubernetes/client-node";
import { KubeApiError } from "./errors.js";

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  /** Sent as JSON; a Buffer is taken to be JSON already. */
  body?: unknown;
  /** Content type of the body; JSON by default, a patch type for PATCH. */
  contentType?: string;
  /** The Accept header; JSON by default. */
  accept?: string;
}

const RETRYABLE_NETWORK_ERRORS = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "EAI_AGAIN"]);

/**
 * A small dynamic client over the API server's REST paths: JSON in and out, keep-alive
 * connections, and retries with backoff on 429 and 5xx answers (honouring Retry-After)
 * and on dropped connections.
 */
export class KubeClient {
  private readonly server: URL;
  private auth?: { agent: https.Agent; headers: https.RequestOptions["headers"]; at: number };

  constructor(
    readonly kubeConfig: KubeConfig,
    private readonly options: { maxRetries?: number; maxSockets?: number; timeoutMs?: number } = {},
  ) {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster)
      throw new Error("the kubeconfig has no current cluster: set a current context or pass --kubecontext");
    this.server = new URL(cluster.server);
  }

  get<T>(path: string, query?: RequestOptions["query"]): Promise<T> {
    return this.request<T>("GET", path, { query });
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const maxRetries = this.options.maxRetries ?? 8;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once<T>(method, path, options);
      } catch (err) {
        const delay = retryDelay(err, attempt);
        if (delay === undefined || attempt >= maxRetries) throw err;
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  close(): void {
    this.auth?.agent.destroy();
  }

  /**
   * TLS material and auth headers from the kubeconfig, in one keep-alive agent. The
   * kubeconfig library makes a new agent on every call, which would cost a TLS handshake
   * per request; headers (tokens that may expire) are read again every minute.
   */
  private async authenticated(): Promise<{ agent: https.Agent; headers: https.RequestOptions["headers"] }> {
    if (this.auth && Date.now() - this.auth.at < 60_000) return this.auth;
    const opts: https.RequestOptions = {};
    await this.kubeConfig.applyToHTTPSOptions(opts);
    const agent =
      this.auth?.agent ??
      new https.Agent({
        keepAlive: true,
        maxSockets: this.options.maxSockets ?? 64,
        // One TLS context for every connection: building it per connection costs milliseconds each.
        secureContext: tls.createSecureContext({ ca: opts.ca, cert: opts.cert, key: opts.key }),
        servername: opts.servername,
        ...(opts.rejectUnauthorized !== undefined ? { rejectUnauthorized: opts.rejectUnauthorized } : {}),
      });
    const headers = {
      ...opts.headers,
      ...(opts.auth ? { Authorization: `Basic ${Buffer.from(opts.auth).toString("base64")}` } : {}),
    };
    this.auth = { agent, headers, at: Date.now() };
    return this.auth;
  }

  private async once<T>(method: string, path: string, options: RequestOptions): Promise<T> {
    // The path as callers give it (encoded already), and the query: no URL object per request.
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) query.set(k, String(v));
    const search = query.size ? `?${query.toString()}` : "";
    // A Buffer is sent as it is: JSON the caller already has in hand.
    const body =
      options.body === undefined
        ? undefined
        : Buffer.isBuffer(options.body)
          ? options.body
          : JSON.stringify(options.body);
    const { agent, headers } = await this.authenticated();
    const req: https.RequestOptions = {
      method,
      protocol: this.server.protocol,
      hostname: this.server.hostname,
      port: this.server.port,
      path: `${path}${search}`,
      agent,
      headers: {
        ...headers,
        Accept: options.accept ?? "application/json",
        ...(body === undefined
          ? {}
          : {
              "Content-Type": options.contentType ?? "application/json",
              "Content-Length": Buffer.byteLength(body),
            }),
      },
    };
    return new Promise<T>((resolve, reject) => {
      const r = https.request(req, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            try {
              resolve((text ? JSON.parse(text) : undefined) as T);
            } catch {
              reject(new Error(`${method} ${path}: the answer is not JSON: ${text.slice(0, 200)}`));
            }
            return;
          }
          reject(apiError(status, text, method, path, res.headers["retry-after"]));
        });
      });
      r.on("error", reject);
      // A request the server never answers must not hold its caller forever.
      r.setTimeout(this.options.timeoutMs ?? 60_000, () =>
        r.destroy(Object.assign(new Error(`${method} ${path} timed out`), { code: "ETIMEDOUT" })),
      );
      if (body !== undefined) r.write(body);
      r.end();
    });
  }
}

interface RetryHint {
  retryAfterSeconds?: number;
}

function apiError(
  status: number,
  text: string,
  method: string,
  path: string,
  retryAfter?: string,
): KubeApiError {
  let reason = "";
  let message = `${method} ${path}: HTTP ${status}`;
  try {
    const s = JSON.parse(text) as { reason?: string; message?: string };
    reason = s.reason ?? "";
    if (s.message) message = s.message;
  } catch {
    if (text) message = `${message}: ${text.slice(0, 200)}`;
  }
  const err = new KubeApiError(status, reason, message, method, path);
  const seconds = Number(retryAfter);
  if (Number.isFinite(seconds)) (err as RetryHint).retryAfterSeconds = seconds;
  return err;
}

/** Milliseconds to wait before trying again, or undefined when the error is final. */
function retryDelay(err: unknown, attempt: number): number | undefined {
  const backoff = Math.min(10_000, 100 * 2 ** attempt) * (0.5 + Math.random() / 2);
  if (err instanceof KubeApiError) {
    if (err.status !== 429 && err.status < 500) return undefined;
    const hinted = (err as RetryHint).retryAfterSeconds;
    return hinted !== undefined ? Math.max(hinted * 1000, 50) : backoff;
  }
  const code = (err as NodeJS.ErrnoException).code;
  return code && RETRYABLE_NETWORK_ERRORS.has(code) ? backoff : undefined;
}
