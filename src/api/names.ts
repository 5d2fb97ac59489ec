/**
 * Kubernetes' rules for the names of objects, as its API server checks them. Names read from a
 * storage location (backup directories, archive paths) are checked against these before they
 * choose where anything is written.
 */

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** An API version such as `v1` or `v1beta2` (CRDs allow any DNS-1035 label). */
const API_VERSION = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** A namespace name: at most 63 lower-case letters, digits and '-', alphanumeric at both ends. */
export function isDnsLabel(name: string): boolean {
  return name.length <= 63 && DNS_LABEL.test(name);
}

/** The name of most objects (and of every velero.io one): a DNS subdomain of at most 253 characters. */
export function isDnsSubdomain(name: string): boolean {
  return name.length <= 253 && DNS_SUBDOMAIN.test(name);
}

/**
 * What every object name must be, whatever its resource's own rules: one segment of a REST path,
 * so neither `.`, `..`, nor anything with `/` or `%`.
 */
export function isPathSegmentName(name: string): boolean {
  return name !== "" && name !== "." && name !== ".." && !/[/%]/.test(name);
}

export function isApiVersionName(version: string): boolean {
  return version.length <= 63 && API_VERSION.test(version);
}

/** Velero's name for an object made from another at a time: `<base>-YYYYMMDDHHMMSS` in UTC. */
export function timestampedName(base: string, now = new Date()): string {
  return `${base}-${now.toISOString().replace(/[-:T]/g, "").slice(0, 14)}`;
}
