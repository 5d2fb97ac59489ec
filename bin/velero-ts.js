#!/usr/bin/env node
// The compiled CLI lives in dist/ (built by `npm ci` through the prepare script).
import { existsSync } from "node:fs";

const entry = new URL("../dist/src/cli/main.js", import.meta.url);
if (!existsSync(entry)) {
  console.error("velero-ts is not built: run `npm ci` (or `npm run build`) in the repository root first.");
  process.exit(1);
}
const { main } = await import(entry.href);
await main(process.argv);
