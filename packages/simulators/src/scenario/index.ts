import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { defaultScenario } from './default.ts';
import { Scenario, type ScenarioInput, type Share } from './schema.ts';

export * from './default.ts';
export * from './schema.ts';

/** Validates a scenario object; throws a ZodError naming every problem. */
export function parseScenario(input: unknown): Scenario {
  return Scenario.parse(input);
}

/** Reads a scenario from a JSON file, or validates one given as an object; the default demo when absent. */
export async function loadScenario(pathOrObject?: string | ScenarioInput): Promise<Scenario> {
  if (pathOrObject === undefined) return parseScenario(structuredClone(defaultScenario));
  if (typeof pathOrObject === 'string') {
    const text = await readFile(pathOrObject, 'utf8');
    return parseScenario(JSON.parse(text));
  }
  return parseScenario(structuredClone(pathOrObject));
}

/**
 * The server-specific token a friend uses against a shared PMS. Real plex.tv hands friends a token
 * different from their account token, so clients must not assume the two are equal.
 */
export function shareToken(share: Pick<Share, 'serverId' | 'accountId' | 'accessToken'>): string {
  if (share.accessToken) return share.accessToken;
  const digest = createHash('sha256')
    .update(`share:${share.serverId}:${share.accountId}`)
    .digest('base64url');
  return `srv-${digest.slice(0, 20)}`;
}
