/** SSM has no local emulator: the adapter's requests are checked with aws-sdk-client-mock. */
import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { loadConfig } from '@medianest/core/system/index';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { isSecretVariable, withSecretParameters } from './secrets.ts';

const ssm = mockClient(SSMClient);
const param = (name: string, value: string) => ({
  Name: `/medianest/prod/${name}`,
  Value: value,
  Type: 'SecureString' as const,
});

describe('identity settings from SSM Parameter Store (aws-sdk-client-mock)', () => {
  beforeEach(() => ssm.reset());

  it('reads every page under the path with decryption and fills the identity variables', async () => {
    // arrange
    ssm
      .on(GetParametersByPathCommand, { Path: '/medianest/prod', NextToken: undefined })
      .resolves({
        Parameters: [
          param('MEDIANEST_PLEX_CLIENT_ID', 'medianest-prod-7f3a9c'),
          param('MEDIANEST_GITHUB_CLIENT_ID', 'Iv1.abc'),
        ],
        NextToken: 'page-2',
      })
      .on(GetParametersByPathCommand, { Path: '/medianest/prod', NextToken: 'page-2' })
      .resolves({
        Parameters: [
          param('MEDIANEST_GITHUB_CLIENT_SECRET', 's3cr3t'),
          // Not an identity setting: a parameter may never redirect the table or the mode.
          param('MEDIANEST_TABLE', 'someone-elses-table'),
        ],
      });
    // act
    const { env, loaded, ignored } = await withSecretParameters(
      { MEDIANEST_SECRETS_PATH: '/medianest/prod/', MEDIANEST_TABLE: 'ours' },
      () => new SSMClient({ region: 'eu-west-1' }),
    );
    // assert
    const calls = ssm.commandCalls(GetParametersByPathCommand).map((c) => c.args[0].input);
    expect(calls).toEqual([
      { Path: '/medianest/prod', Recursive: false, WithDecryption: true, MaxResults: 10 },
      {
        Path: '/medianest/prod',
        Recursive: false,
        WithDecryption: true,
        MaxResults: 10,
        NextToken: 'page-2',
      },
    ]);
    expect(loaded).toEqual([
      'MEDIANEST_GITHUB_CLIENT_ID',
      'MEDIANEST_GITHUB_CLIENT_SECRET',
      'MEDIANEST_PLEX_CLIENT_ID',
    ]);
    expect(ignored).toEqual(['/medianest/prod/MEDIANEST_TABLE']);
    expect(env.MEDIANEST_TABLE).toBe('ours');
    const config = loadConfig(env);
    expect(config.identity.github).toEqual({ clientId: 'Iv1.abc', clientSecret: 's3cr3t' });
    expect(config.identity.plexClientId).toBe('medianest-prod-7f3a9c');
  });

  it('keeps a variable that is set explicitly', async () => {
    ssm
      .on(GetParametersByPathCommand)
      .resolves({ Parameters: [param('MEDIANEST_PLEX_CLIENT_ID', 'from-ssm-1')] });
    const { env, loaded } = await withSecretParameters(
      { MEDIANEST_SECRETS_PATH: '/medianest/prod', MEDIANEST_PLEX_CLIENT_ID: 'explicit-1' },
      () => new SSMClient({ region: 'eu-west-1' }),
    );
    expect(env.MEDIANEST_PLEX_CLIENT_ID).toBe('explicit-1');
    expect(loaded).toEqual([]);
  });

  it('makes no call without a path', async () => {
    const env = { MEDIANEST_TABLE: 't' };
    const out = await withSecretParameters(env, () => new SSMClient({ region: 'eu-west-1' }));
    expect(out.env).toBe(env);
    expect(ssm.calls()).toHaveLength(0);
  });

  it('propagates an SSM failure (the container retries on its next invocation)', async () => {
    ssm.on(GetParametersByPathCommand).rejects(new Error('AccessDeniedException'));
    await expect(
      withSecretParameters(
        { MEDIANEST_SECRETS_PATH: '/medianest/prod' },
        () => new SSMClient({ region: 'eu-west-1' }),
      ),
    ).rejects.toThrow('AccessDeniedException');
  });

  it('accepts only identity variables', () => {
    expect(isSecretVariable('MEDIANEST_OIDC_AUTHENTIK_CLIENT_SECRET')).toBe(true);
    expect(isSecretVariable('MEDIANEST_DISCORD_CLIENT_ID')).toBe(true);
    expect(isSecretVariable('MEDIANEST_MODE')).toBe(false);
    expect(isSecretVariable('MEDIANEST_KMS_KEY_ID')).toBe(false);
  });
});
