import { promises as fs } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { ClusterLayout, Component } from "./layout.js";
import { runningPid, sleep } from "./processes.js";

/** A GET that resolves with the status code and body, or undefined when nothing answers. */
function probe(
  url: string,
  options: https.RequestOptions = {},
): Promise<{ status: number; body: string } | undefined> {
  const get = url.startsWith("https:") ? https.get : http.get;
  return new Promise((resolve) => {
    const req = get(url, { ...options, timeout: 2000 }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(undefined));
  });
}

export async function etcdHealthy(port: number): Promise<boolean> {
  const res = await probe(`http://127.0.0.1:${port}/health`);
  return res?.status === 200 && res.body.includes('"health":"true"');
}

export async function apiServerReady(layout: ClusterLayout, port: number): Promise<boolean> {
  const [ca, cert, key] = await Promise.all(
    ["ca.crt", "admin.crt", "admin.key"].map((f) => fs.readFile(layout.pki(f))),
  );
  const res = await probe(`https://127.0.0.1:${port}/readyz`, { ca, cert, key });
  return res?.status === 200;
}

/** Waits until check() holds; fails early, with the component's log, if its process exits. */
export async function waitFor(
  layout: ClusterLayout,
  component: Component,
  what: string,
  timeoutMs: number,
  check: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if ((await runningPid(layout, component)) === undefined) {
      throw new Error(
        `${component} exited before ${what}. Its log, ${layout.log(component)}, ends with:\n${await logTail(layout, component)}`,
      );
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${what} did not happen within ${timeoutMs / 1000}s. ${layout.log(component)} ends with:\n${await logTail(layout, component)}`,
      );
    }
    await sleep(250);
  }
}

export async function logTail(layout: ClusterLayout, component: Component, lines = 15): Promise<string> {
  try {
    const text = await fs.readFile(layout.log(component), "utf8");
    return text
      .trimEnd()
      .split("\n")
      .slice(-lines)
      .map((l) => `  ${l}`)
      .join("\n");
  } catch {
    return "  (no log)";
  }
}
