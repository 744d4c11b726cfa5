import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, queueUrlVariable } from './config.ts';

function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies the defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      host: '0.0.0.0',
      mode: 'selfhosted',
      logLevel: 'INFO',
      publicUrl: 'http://localhost:3000',
      webDir: undefined,
    });
    expect(config.dataDir).toMatch(/[/\\]data$/);
    expect(config.aws.queueUrls).toEqual({});
  });

  it('reads every variable', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '127.0.0.1',
      MEDIANEST_DATA_DIR: '/srv/medianest',
      MEDIANEST_PUBLIC_URL: 'https://media.example.com/',
      MEDIANEST_MODE: 'SaaS',
      LOG_LEVEL: 'debug',
      MEDIANEST_TABLE: 'mn-table',
      MEDIANEST_BUCKET: 'mn-bucket',
      MEDIANEST_QUEUE_URL_JOBS: 'https://sqs.eu-west-1.amazonaws.com/1/jobs',
      MEDIANEST_DLQ_URL_JOBS: 'https://sqs.eu-west-1.amazonaws.com/1/jobs-dlq',
      MEDIANEST_KMS_KEY_ID: 'alias/mn',
      MEDIANEST_WS_ENDPOINT: 'https://abc.execute-api.eu-west-1.amazonaws.com/prod',
    });
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      dataDir: '/srv/medianest',
      publicUrl: 'https://media.example.com',
      mode: 'saas',
      logLevel: 'DEBUG',
      aws: {
        table: 'mn-table',
        bucket: 'mn-bucket',
        queueUrls: { jobs: 'https://sqs.eu-west-1.amazonaws.com/1/jobs' },
        deadLetterUrls: { jobs: 'https://sqs.eu-west-1.amazonaws.com/1/jobs-dlq' },
        kmsKeyId: 'alias/mn',
        wsEndpoint: 'https://abc.execute-api.eu-west-1.amazonaws.com/prod',
      },
    });
    expect(queueUrlVariable('jobs')).toBe('MEDIANEST_QUEUE_URL_JOBS');
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ PORT: '', MEDIANEST_MODE: ' ' })).toMatchObject({ port: 3000, mode: 'selfhosted' });
  });

  it('names the bad variable, what it expects and what it got', () => {
    const err = configError({ PORT: 'abc' });
    expect(err.message).toBe('Invalid configuration: PORT: expected an integer 1–65535, got "abc"');
    expect(err.issues).toEqual([{ variable: 'PORT', message: 'expected an integer 1–65535, got "abc"' }]);
  });

  it.each([
    ['PORT', '0', 'expected an integer 1–65535, got "0"'],
    ['PORT', '70000', 'expected an integer 1–65535, got "70000"'],
    ['PORT', '80.5', 'expected an integer 1–65535, got "80.5"'],
    ['MEDIANEST_MODE', 'cloud', 'expected one of selfhosted, saas, got "cloud"'],
    ['LOG_LEVEL', 'loud', 'expected one of DEBUG, INFO, WARN, ERROR, CRITICAL, SILENT, got "loud"'],
    [
      'MEDIANEST_PUBLIC_URL',
      'media.example.com',
      'expected an absolute http(s) URL, got "media.example.com"',
    ],
    ['MEDIANEST_PUBLIC_URL', 'ftp://x', 'expected an absolute http(s) URL, got "ftp://x"'],
    ['MEDIANEST_QUEUE_URL_JOBS', 'not a url', 'expected an absolute http(s) URL, got "not a url"'],
  ])('%s=%s is rejected', (variable, value, message) => {
    expect(configError({ [variable]: value }).issues).toEqual([{ variable, message }]);
  });

  it('reports every bad variable at once', () => {
    const err = configError({ PORT: 'x', MEDIANEST_MODE: 'y', MEDIANEST_PUBLIC_URL: 'z' });
    expect(err.issues.map((i) => i.variable).sort()).toEqual([
      'MEDIANEST_MODE',
      'MEDIANEST_PUBLIC_URL',
      'PORT',
    ]);
    expect(err.message.split('\n')).toHaveLength(4);
  });
});

describe('identity settings', () => {
  it('defaults to plex.tv, no OAuth providers, 14/90-day sessions and ws on the public URL', () => {
    const config = loadConfig({ MEDIANEST_PUBLIC_URL: 'https://media.example.com' });
    expect(config.identity).toEqual({
      plexTvUrl: 'https://plex.tv',
      plexAuthUrl: 'https://app.plex.tv/auth',
      plexClientId: undefined,
      oidc: [],
      github: undefined,
      google: undefined,
      discord: undefined,
      sessionIdleSeconds: 14 * 86400,
      sessionAbsoluteSeconds: 90 * 86400,
      trustProxy: false,
    });
    expect(config.wsUrl).toBe('wss://media.example.com/ws');
    expect(config.allowPrivateUrls).toBe(true);
    expect(loadConfig({ MEDIANEST_MODE: 'saas' }).allowPrivateUrls).toBe(false);
  });

  it('reads OIDC provider groups, OAuth apps and the rest', () => {
    const config = loadConfig({
      MEDIANEST_OIDC_MY_IDP_ISSUER: 'https://idp.example.com/application/o/medianest/',
      MEDIANEST_OIDC_MY_IDP_CLIENT_ID: 'mn',
      MEDIANEST_OIDC_MY_IDP_CLIENT_SECRET: 's3cret',
      MEDIANEST_OIDC_KEYCLOAK_ISSUER: 'https://kc.example.com/realms/home',
      MEDIANEST_OIDC_KEYCLOAK_CLIENT_ID: 'kc',
      MEDIANEST_OIDC_KEYCLOAK_CLIENT_SECRET: 'x',
      MEDIANEST_OIDC_KEYCLOAK_NAME: 'Family SSO',
      MEDIANEST_GITHUB_CLIENT_ID: 'gh-id',
      MEDIANEST_GITHUB_CLIENT_SECRET: 'gh-secret',
      MEDIANEST_PLEX_TV_URL: 'http://127.0.0.1:9999/',
      MEDIANEST_PLEX_AUTH_URL: 'http://127.0.0.1:9999/auth',
      MEDIANEST_PLEX_CLIENT_ID: 'medianest-test-client',
      MEDIANEST_SESSION_IDLE_DAYS: '2',
      MEDIANEST_SESSION_MAX_DAYS: '30',
      MEDIANEST_ALLOW_PRIVATE_URLS: 'false',
      MEDIANEST_WS_URL: 'wss://ws.example.com/prod',
      MEDIANEST_TRUST_PROXY: '1',
    });
    expect(config.identity.oidc).toEqual([
      {
        id: 'keycloak',
        name: 'Family SSO',
        issuer: 'https://kc.example.com/realms/home',
        clientId: 'kc',
        clientSecret: 'x',
      },
      {
        id: 'my-idp',
        name: 'My idp',
        issuer: 'https://idp.example.com/application/o/medianest',
        clientId: 'mn',
        clientSecret: 's3cret',
      },
    ]);
    expect(config.identity).toMatchObject({
      github: { clientId: 'gh-id', clientSecret: 'gh-secret' },
      plexTvUrl: 'http://127.0.0.1:9999',
      plexAuthUrl: 'http://127.0.0.1:9999/auth',
      plexClientId: 'medianest-test-client',
      sessionIdleSeconds: 2 * 86400,
      sessionAbsoluteSeconds: 30 * 86400,
      trustProxy: true,
    });
    expect(config.allowPrivateUrls).toBe(false);
    expect(config.wsUrl).toBe('wss://ws.example.com/prod');
  });

  it('names the missing half of an OIDC group or OAuth app', () => {
    const err = configError({
      MEDIANEST_OIDC_AUTHENTIK_ISSUER: 'https://a.example.com',
      MEDIANEST_OIDC_AUTHENTIK_CLIENT_ID: 'x',
      MEDIANEST_DISCORD_CLIENT_SECRET: 'y',
      MEDIANEST_OIDC_PLEX_ISSUER: 'https://p.example.com',
      MEDIANEST_OIDC_PLEX_CLIENT_ID: 'p',
      MEDIANEST_OIDC_PLEX_CLIENT_SECRET: 'p',
      MEDIANEST_WS_URL: 'https://not-ws.example.com',
    });
    expect(err.issues).toEqual(
      expect.arrayContaining([
        { variable: 'MEDIANEST_OIDC_AUTHENTIK_CLIENT_SECRET', message: 'expected a value, it is not set' },
        {
          variable: 'MEDIANEST_DISCORD_CLIENT_ID',
          message: 'expected a value (the other half of the discord app is set), it is not set',
        },
        { variable: 'MEDIANEST_OIDC_PLEX_ISSUER', message: '"plex" cannot be an OIDC provider id' },
        {
          variable: 'MEDIANEST_WS_URL',
          message: 'expected an absolute ws(s) URL, got "https://not-ws.example.com"',
        },
      ]),
    );
  });
});
