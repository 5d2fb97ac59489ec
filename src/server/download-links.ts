// The links the server hands out for files of filesystem locations, which it serves itself: one
// unguessable token per DownloadRequest, kept nowhere but in the request's own status.downloadURL.
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { DownloadRequest } from "../api/v1/index.js";

/** How long a download URL works, and its request lives: Velero's DownloadURLTTL. */
export const DOWNLOAD_URL_TTL_MS = 10 * 60_000;

const PATH_PREFIX = "/download/";

/** 256 random bits, URL-safe. */
export function newDownloadToken(): string {
  return randomBytes(32).toString("base64url");
}

/** The URL of one request's file on the server's download listener at `base` (http://host:port). */
export function downloadLink(base: string, requestName: string, token: string): string {
  return `${base.replace(/\/+$/, "")}${PATH_PREFIX}${encodeURIComponent(requestName)}/${token}`;
}

/** The request name and token in a link's path, or undefined when the path is not a download link. */
export function parseDownloadPath(pathname: string): { requestName: string; token: string } | undefined {
  if (!pathname.startsWith(PATH_PREFIX)) return undefined;
  const parts = pathname.slice(PATH_PREFIX.length).split("/");
  if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
  try {
    return { requestName: decodeURIComponent(parts[0]), token: parts[1] };
  } catch {
    return undefined;
  }
}

/** Whether the request's expiration has passed; one with no expiration yet has not expired. */
export function isExpired(request: DownloadRequest, now: number): boolean {
  const expiration = request.status?.expiration;
  return !!expiration && Date.parse(expiration) <= now;
}

export type LinkCheck = { ok: true } | { ok: false; status: 403 | 404 | 410; reason: string };

/**
 * Whether a link presenting `token` for `request` may be served: the request exists, was
 * Processed with a link of this server, has not expired, and the token is the one in its link.
 */
export function checkDownloadLink(
  request: DownloadRequest | undefined,
  requestName: string,
  token: string,
  now: number,
): LinkCheck {
  if (!request || request.status?.phase !== "Processed") {
    return { ok: false, status: 404, reason: `no processed download request ${requestName}` };
  }
  if (isExpired(request, now)) return { ok: false, status: 410, reason: "the download request has expired" };
  const issued = linkParts(request.status.downloadURL);
  if (!issued || issued.requestName !== requestName || !sameToken(issued.token, token)) {
    return { ok: false, status: 403, reason: "the token is not this download request's" };
  }
  return { ok: true };
}

function linkParts(url: string | undefined): { requestName: string; token: string } | undefined {
  if (!url) return undefined;
  try {
    return parseDownloadPath(new URL(url).pathname);
  } catch {
    return undefined;
  }
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
