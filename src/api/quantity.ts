const SUFFIXES: Record<string, number> = {
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** Bytes in a Kubernetes quantity such as "1Gi", "500M" or "1e9". */
export function quantityToBytes(quantity: string | undefined): number {
  if (!quantity) return 0;
  const match = /^([0-9.]+(?:e[0-9]+)?)([A-Za-z]*)$/.exec(quantity.trim());
  const factor = match ? SUFFIXES[match[2]!] : undefined;
  if (!match || factor === undefined) throw new Error(`invalid quantity ${JSON.stringify(quantity)}`);
  return Math.ceil(Number(match[1]) * factor);
}

/** A byte count as a quantity, in the largest binary unit that divides it evenly. */
export function bytesToQuantity(bytes: number): string {
  for (const unit of ["Ei", "Pi", "Ti", "Gi", "Mi", "Ki"]) {
    const factor = SUFFIXES[unit]!;
    if (bytes >= factor && bytes % factor === 0) return `${bytes / factor}${unit}`;
  }
  return String(bytes);
}

/** A byte count for people: "12.0 MiB". */
export const mebibytes = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
