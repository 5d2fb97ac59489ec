import { quantityToBytes } from "../api/quantity.js";

/** A flag's whole-number value of at least 1, refused with the flag's name when it is not one. */
export function positiveInteger(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`${flag} must be a whole number of at least 1, not "${text}"`);
  return n;
}

/** A flag's size in bytes (a Kubernetes quantity such as 3Mi or 4Gi), refused with the flag's name when it is not one. */
export function byteSize(text: string, flag: string): number {
  let bytes: number;
  try {
    bytes = quantityToBytes(text);
  } catch {
    bytes = 0;
  }
  if (!(bytes >= 1)) throw new Error(`${flag} must be a size such as 3Mi or 4Gi, not "${text}"`);
  return bytes;
}
