import { promises as fs } from "node:fs";
import { stringify } from "yaml";

export interface KubeconfigIdentity {
  server: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  user: string;
}

export const CONTEXT_NAME = "velero-ts-local";

/** Writes a kubeconfig with the certificates embedded, so it keeps working when copied elsewhere. */
export async function writeKubeconfig(file: string, id: KubeconfigIdentity): Promise<void> {
  const b64 = async (f: string) => (await fs.readFile(f)).toString("base64");
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: CONTEXT_NAME,
        cluster: { server: id.server, "certificate-authority-data": await b64(id.caFile) },
      },
    ],
    users: [
      {
        name: id.user,
        user: { "client-certificate-data": await b64(id.certFile), "client-key-data": await b64(id.keyFile) },
      },
    ],
    contexts: [{ name: CONTEXT_NAME, context: { cluster: CONTEXT_NAME, user: id.user } }],
    "current-context": CONTEXT_NAME,
  };
  const tmp = `${file}.tmp`;
  await fs.writeFile(tmp, stringify(config), { mode: 0o600 });
  await fs.rename(tmp, file);
}
