/** A flag's whole-number value of at least 1, refused with the flag's name when it is not one. */
export function positiveInteger(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`${flag} must be a whole number of at least 1, not "${text}"`);
  return n;
}
