/**
 * Identity settings that must not sit in the CloudFormation template or the function's
 * configuration in plain text (OAuth client secrets) are kept as SSM Parameter Store SecureString
 * parameters under one path per stage, one parameter per variable, named like the variable:
 *
 *   /medianest/prod/MEDIANEST_PLEX_CLIENT_ID
 *   /medianest/prod/MEDIANEST_GITHUB_CLIENT_ID
 *   /medianest/prod/MEDIANEST_GITHUB_CLIENT_SECRET
 *   /medianest/prod/MEDIANEST_OIDC_AUTHENTIK_ISSUER …
 *
 * The stack gives the function only the path (`MEDIANEST_SECRETS_PATH`) and read access to it;
 * the container reads every parameter under it once, at its first invocation, and hands them to
 * the System as if they were environment variables. A rotated secret reaches new containers
 * (publish a new version or wait for old containers to retire).
 */
import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { captureAwsClient } from '@medianest/core/observability/tracer';
import type { Env } from '@medianest/core/system/index';

export const SECRETS_PATH_VARIABLE = 'MEDIANEST_SECRETS_PATH';

/** The variables a parameter may set: identity settings only, never a resource name or the mode. */
const ALLOWED = [
  /^MEDIANEST_PLEX_CLIENT_ID$/,
  /^MEDIANEST_(GITHUB|GOOGLE|DISCORD)_CLIENT_(ID|SECRET)$/,
  /^MEDIANEST_OIDC_[A-Z0-9_]+_(ISSUER|CLIENT_ID|CLIENT_SECRET|NAME)$/,
];

export const isSecretVariable = (name: string): boolean => ALLOWED.some((re) => re.test(name));

export interface SecretParameters {
  /** Variables read from the path (values are secrets: never log them). */
  values: Record<string, string>;
  /** Parameters under the path that do not name an allowed variable (logged by name only). */
  ignored: string[];
}

export async function readSecretParameters(client: SSMClient, path: string): Promise<SecretParameters> {
  const prefix = path.endsWith('/') ? path : `${path}/`;
  const values: Record<string, string> = {};
  const ignored: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await client.send(
      new GetParametersByPathCommand({
        Path: prefix.slice(0, -1),
        Recursive: false,
        WithDecryption: true,
        MaxResults: 10,
        ...(NextToken ? { NextToken } : {}),
      }),
    );
    for (const parameter of page.Parameters ?? []) {
      const name = parameter.Name?.slice(prefix.length) ?? '';
      if (isSecretVariable(name) && parameter.Value !== undefined) values[name] = parameter.Value;
      else if (parameter.Name) ignored.push(parameter.Name);
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return { values, ignored };
}

/**
 * The environment with the parameters under `MEDIANEST_SECRETS_PATH` filled in (a variable that
 * is set explicitly wins, so an operator can override one for a test). Without the path, the
 * environment as it is: functions that need no identity settings make no call.
 */
export async function withSecretParameters(
  env: Env,
  client: () => SSMClient = () => captureAwsClient(new SSMClient({})),
): Promise<{ env: Env; loaded: string[]; ignored: string[] }> {
  const path = env[SECRETS_PATH_VARIABLE]?.trim();
  if (!path) return { env, loaded: [], ignored: [] };
  const { values, ignored } = await readSecretParameters(client(), path);
  const merged: Env = { ...env };
  const loaded: string[] = [];
  for (const [name, value] of Object.entries(values)) {
    if (merged[name] === undefined || merged[name] === '') {
      merged[name] = value;
      loaded.push(name);
    }
  }
  return { env: merged, loaded: loaded.sort(), ignored };
}
