// A real S3-compatible server (s3rver) on 127.0.0.1 for the tests, in a child process.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { TestContext } from "node:test";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { kubectl } from "./support.js";
import { velero } from "./velero.js";

/** s3rver checks request signatures against this fixed key pair; an AWS credentials file holding it. */
export const S3_CREDENTIALS = "[default]\naws_access_key_id = S3RVER\naws_secret_access_key = S3RVER\n";

// s3rver runs in a child node process with the OpenSSL legacy provider: its ListObjectsV2
// continuation tokens use DES, which OpenSSL 3 leaves out by default. Its listing with a delimiter
// prunes directories below a common prefix, so it misses prefixes whose objects all lie two levels
// down (as backups/<name>/<file> do); S3 does not, so the pruning filter is dropped. The server
// prints its port, then one line per request, and exits when its stdin closes (also if the test dies).
const SERVER_SCRIPT = `
const utils = require("s3rver/lib/utils");
const walk = utils.walk;
utils.walk = (dir) => walk(dir);
const S3rver = require("s3rver");
const tls = process.argv[2] ? JSON.parse(process.argv[2]) : {};
const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: process.argv[1], ...tls });
server.run().then(({ port }) => {
  server.httpServer.on("request", (req) => console.log(req.method + " " + req.url));
  console.log("listening " + port);
});
process.stdin.on("end", () => process.exit(0)).resume();
`;

export interface S3Server {
  url: string;
  /** "METHOD /path?query" of every request the server got. */
  requests: string[];
  stop(): Promise<void>;
}

/**
 * Starts s3rver on a free port with the given buckets; over HTTPS with `tls`'s key and certificate
 * (kopia's S3 client works with s3rver only over TLS: over HTTP it sends aws-chunked bodies, which
 * s3rver stores as they come).
 */
export async function startS3Server(
  buckets: string[],
  tls?: { key: string; cert: string; ca: string },
): Promise<S3Server & { dir: string }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "velero-ts-s3rver-"));
  const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));
  const args = ["--openssl-legacy-provider", "-e", SERVER_SCRIPT, dir];
  if (tls) args.push(JSON.stringify({ key: tls.key, cert: tls.cert }));
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    stdio: ["pipe", "pipe", "inherit"],
  });
  const requests: string[] = [];
  const port = await new Promise<string>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`s3rver exited with code ${code}`)));
    createInterface({ input: child.stdout }).on("line", (line) => {
      if (line.startsWith("listening ")) resolve(line.slice("listening ".length));
      else requests.push(line);
    });
  });
  const url = `${tls ? "https" : "http"}://127.0.0.1:${port}`;
  const client = new S3Client({
    region: "us-east-1",
    endpoint: url,
    forcePathStyle: true,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    ...(tls ? { requestHandler: { httpsAgent: { ca: tls.ca } } } : {}),
  });
  for (const bucket of buckets) await client.send(new CreateBucketCommand({ Bucket: bucket }));
  client.destroy();
  return {
    url,
    dir,
    requests,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, "exit");
        child.stdin.end();
        await exited;
      }
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * An S3 location of the test's own in `bucket` (named `<name>-<ns>`, prefix `ns`), with a
 * credentials Secret, both removed after the test; `caFile` is the CA it is told to trust.
 */
export async function s3Location(
  t: TestContext,
  ns: string,
  bucket: string,
  name: string,
  s3Url: string,
  caFile?: string,
): Promise<string> {
  const location = `${name}-${ns}`;
  const secret = `creds-${ns}`;
  await kubectl([
    "create",
    "secret",
    "generic",
    secret,
    "-n",
    "velero",
    `--from-literal=cloud=${S3_CREDENTIALS}`,
  ]);
  t.after(async () => {
    await velero(["backup-location", "delete", location, "--confirm"]);
    await kubectl(["delete", "secret", secret, "-n", "velero"]);
  });
  const created = await velero([
    ...["backup-location", "create", location, "--provider", "aws", "--bucket", bucket, "--prefix", ns],
    ...["--config", `region=us-east-1,s3ForcePathStyle=true,s3Url=${s3Url}`],
    ...(caFile ? ["--cacert", caFile] : []),
    ...["--credential", `${secret}=cloud`],
  ]);
  assert.equal(created.code, 0, created.stderr);
  return location;
}
