/**
 * The password of every kopia repository of one install: Secret `velero-repo-credentials`, key
 * `repository-password`, in the server's namespace. The server makes it on start when it is
 * missing, with Velero's default value, as Velero's server does; so repositories made by Velero
 * and by velero-ts open with the same password.
 */
import type { V1Secret } from "@kubernetes/client-node";
import type { KubeClient } from "../../kube/client.js";
import { isAlreadyExists, isNotFound } from "../../kube/errors.js";
import { DEFAULT_REPOSITORY_PASSWORD } from "./kopia-cli.js";

export const REPOSITORY_CREDENTIALS_SECRET = "velero-repo-credentials";
export const REPOSITORY_PASSWORD_KEY = "repository-password";

const secretPath = (namespace: string, name?: string) =>
  `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets${name ? `/${name}` : ""}`;

/** Creates the Secret with Velero's default password, unless it exists. */
export async function ensureRepositoryCredentials(client: KubeClient, namespace: string): Promise<void> {
  const secret: V1Secret = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: REPOSITORY_CREDENTIALS_SECRET, namespace },
    type: "Opaque",
    data: { [REPOSITORY_PASSWORD_KEY]: Buffer.from(DEFAULT_REPOSITORY_PASSWORD).toString("base64") },
  };
  try {
    await client.request("POST", secretPath(namespace), { body: secret });
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
}

/** The repositories' password; the error says how to make the Secret when it is missing. */
export async function repositoryPassword(client: KubeClient, namespace: string): Promise<string> {
  let secret: V1Secret;
  try {
    secret = await client.get<V1Secret>(secretPath(namespace, REPOSITORY_CREDENTIALS_SECRET));
  } catch (err) {
    if (isNotFound(err))
      throw new Error(
        `secret ${namespace}/${REPOSITORY_CREDENTIALS_SECRET} does not exist: the velero-ts server makes it when it starts; start the server, or create it with key ${REPOSITORY_PASSWORD_KEY}`,
      );
    throw err;
  }
  const value = secret.data?.[REPOSITORY_PASSWORD_KEY];
  if (value === undefined)
    throw new Error(
      `secret ${namespace}/${REPOSITORY_CREDENTIALS_SECRET} has no key ${REPOSITORY_PASSWORD_KEY}: add the repositories' password under it`,
    );
  return Buffer.from(value, "base64").toString("utf8");
}
