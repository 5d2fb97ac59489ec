/**
 * client-node's API clients (the node simulator's, the informers' LISTs, install's) make a new
 * https agent for every request, so every request opens, and pays for, a TLS connection of its
 * own. This KubeConfig hands those clients one keep-alive agent per set of TLS credentials
 * instead: requests reuse connections, as client-go's do. Headers (tokens) are applied per
 * request as before; watches keep a connection of their own.
 */
import https from "node:https";
import { KubeConfig, type RequestContext } from "@kubernetes/client-node";

export class KeepAliveKubeConfig extends KubeConfig {
  readonly #agents = new Map<string, https.Agent>();

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    const cluster = this.getCurrentCluster();
    if (cluster?.proxyUrl || !cluster?.server.startsWith("https:")) return;
    const opts: https.RequestOptions = {};
    await this.applyToHTTPSOptions(opts);
    // New credentials (a rotated client certificate) get an agent of their own.
    const key = JSON.stringify([
      cluster.server,
      opts.ca,
      opts.cert,
      opts.key,
      opts.servername,
      opts.rejectUnauthorized,
    ]);
    let agent = this.#agents.get(key);
    if (!agent) {
      agent = new https.Agent({
        keepAlive: true,
        ca: opts.ca,
        cert: opts.cert,
        key: opts.key,
        ...(opts.servername ? { servername: opts.servername } : {}),
        ...(opts.rejectUnauthorized !== undefined ? { rejectUnauthorized: opts.rejectUnauthorized } : {}),
      });
      this.#agents.set(key, agent);
    }
    context.setAgent(agent);
  }
}
