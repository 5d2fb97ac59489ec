import type { KubeClient } from "./client.js";

/** The API server's `/version`, the parts Velero records on each backup. */
export interface ServerVersion {
  gitVersion: string;
  major: string;
  minor: string;
}

export async function serverVersion(client: KubeClient): Promise<ServerVersion> {
  const { gitVersion = "", major = "", minor = "" } = await client.get<Partial<ServerVersion>>("/version");
  return { gitVersion, major, minor };
}
