// A certificate authority of the test's own and a server certificate it signs for 127.0.0.1, made
// with openssl: what a TLS S3 server needs, and what its clients are told to trust.
import { execFile } from "node:child_process";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface TestCertificates {
  /** PEM of the CA's certificate. */
  ca: string;
  /** PEM of the server's key and certificate (subject alternative name IP 127.0.0.1). */
  key: string;
  cert: string;
}

export async function makeTestCertificates(): Promise<TestCertificates> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "velero-ts-ca-"));
  const at = (f: string) => path.join(dir, f);
  try {
    await run("openssl", [
      ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"],
      ...["-keyout", at("ca.key"), "-out", at("ca.crt"), "-subj", "/CN=velero-ts test CA"],
    ]);
    await run("openssl", [
      ...["req", "-newkey", "rsa:2048", "-nodes", "-keyout", at("server.key")],
      ...["-out", at("server.csr"), "-subj", "/CN=127.0.0.1"],
    ]);
    await fs.writeFile(at("san.ext"), "subjectAltName=IP:127.0.0.1\n");
    await run("openssl", [
      ...["x509", "-req", "-in", at("server.csr"), "-CA", at("ca.crt"), "-CAkey", at("ca.key")],
      ...["-CAcreateserial", "-days", "2", "-out", at("server.crt"), "-extfile", at("san.ext")],
    ]);
    const [ca, key, cert] = await Promise.all(
      ["ca.crt", "server.key", "server.crt"].map((f) => fs.readFile(at(f), "utf8")),
    );
    return { ca: ca!, key: key!, cert: cert! };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
