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
