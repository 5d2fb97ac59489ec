export interface AwsKeys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/**
 * The keys of one profile of an AWS shared credentials file, read by the AWS CLI's rules: `[name]`
 * sections, `key = value` lines, comments from a `#` or `;` at the start of a line or after
 * whitespace. A general INI parser (such as npm's `ini`) cuts a secret at its first `#` or `;`,
 * nests dotted profile names and turns "true" into a boolean, so it would corrupt some keys.
 * Error messages name the profile, never a key.
 */
export function credentialsFromFile(contents: string, profile: string): AwsKeys {
  const keys = profilesOf(contents).get(profile);
  if (!keys) throw new Error(`the AWS credentials file has no profile "${profile}"`);
  const need = (name: string) => {
    const value = keys.get(name);
    if (!value) throw new Error(`profile "${profile}" of the AWS credentials file has no ${name}`);
    return value;
  };
  const sessionToken = keys.get("aws_session_token");
  return {
    accessKeyId: need("aws_access_key_id"),
    secretAccessKey: need("aws_secret_access_key"),
    ...(sessionToken ? { sessionToken } : {}),
  };
}

function profilesOf(contents: string): Map<string, Map<string, string>> {
  const profiles = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  for (const raw of contents.split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)[#;].*$/, "").trim();
    if (line.startsWith("[") && line.endsWith("]")) {
      const name = line.slice(1, -1).trim();
      current = profiles.get(name) ?? new Map<string, string>();
      profiles.set(name, current);
      continue;
    }
    const eq = line.indexOf("=");
    if (current && eq > 0) current.set(line.slice(0, eq).trim().toLowerCase(), line.slice(eq + 1).trim());
  }
  return profiles;
}
