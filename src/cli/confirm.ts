import { createInterface } from "node:readline/promises";

/** Asks on the terminal before a deletion; with no terminal, refuses and says to pass the flag. */
export async function confirmed(flag = "--confirm"): Promise<boolean> {
  if (!process.stdin.isTTY) {
    throw new Error(`refusing to delete without confirmation: add ${flag} (there is no terminal to ask on)`);
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question("Are you sure you want to continue (Y/N)? ");
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
