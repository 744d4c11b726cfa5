import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  correlationId,
  createLogger,
  isSecretKey,
  lazyWithCorrelationId,
  REDACTED,
  redact,
  withCorrelationId,
} from './logger.ts';

/** Log lines from both streams (Powertools writes ERROR to stderr). */
function captureStdout() {
  const lines: string[] = [];
  const write = (chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(write);
  vi.spyOn(process.stderr, 'write').mockImplementation(write);
  return {
    records: () =>
      lines
        .join('')
        .split('\n')
        .filter((l) => l.trim().startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('createLogger', () => {
  it('writes one JSON object per line with the service and level', () => {
    // arrange
    const out = captureStdout();
    const logger = createLogger('medianest-test', { level: 'info' });
    // act
    logger.info('hello', { householdId: 'h1' });
    logger.debug('not shown at INFO');
    // assert
    const records = out.records();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      level: 'INFO',
      message: 'hello',
      service: 'medianest-test',
      householdId: 'h1',
    });
  });

  it('redacts secrets at any depth and scrubs tokens from URLs', () => {
    const out = captureStdout();
    const logger = createLogger('medianest-test');
    logger.info('integration saved', {
      integration: {
        url: 'http://plex.local:32400/library?X-Plex-Token=abc123&x=1',
        authToken: 'plex-secret',
        apiKey: 'ovr-key',
        nested: [{ password: 'pw', cookie: 'sid=1', Authorization: 'Bearer t', secret: 's', name: 'kept' }],
      },
      token: 'tok',
    });
    const [record] = out.records();
    const text = JSON.stringify(record);
    for (const secret of ['abc123', 'plex-secret', 'ovr-key', '"pw"', 'sid=1', 'Bearer t', '"s"', '"tok"']) {
      expect(text).not.toContain(secret);
    }
    expect(record).toMatchObject({
      token: REDACTED,
      integration: {
        url: `http://plex.local:32400/library?X-Plex-Token=${REDACTED}&x=1`,
        authToken: REDACTED,
        apiKey: REDACTED,
        nested: [
          { password: REDACTED, cookie: REDACTED, Authorization: REDACTED, secret: REDACTED, name: 'kept' },
        ],
      },
    });
  });

  it('scrubs tokens from logged errors too', () => {
    const out = captureStdout();
    createLogger('medianest-test').error('fetch failed', {
      error: new Error('GET http://pms:32400/library/sections?X-Plex-Token=s3cr3t failed'),
    });
    const text = JSON.stringify(out.records()[0]);
    expect(text).not.toContain('s3cr3t');
    expect(text).toContain(`X-Plex-Token=${REDACTED}`);
  });

  it('child loggers carry the correlation id without leaking it to siblings', () => {
    const out = captureStdout();
    const root = createLogger('medianest-test');
    const a = withCorrelationId(root, 'req-a');
    const b = withCorrelationId(root, 'req-b');
    a.info('one');
    b.info('two');
    root.info('three');
    const [ra, rb, rr] = out.records();
    expect(ra).toMatchObject({ message: 'one', correlation_id: 'req-a' });
    expect(rb).toMatchObject({ message: 'two', correlation_id: 'req-b' });
    expect(rr?.correlation_id).toBeUndefined();
  });
});

describe('secret keys', () => {
  it.each([
    'token',
    'authToken',
    'X-Plex-Token',
    'apiKey',
    'api_key',
    'password',
    'clientSecret',
    'cookie',
    'authorization',
  ])('%s is a secret', (key) => expect(isSecretKey(key)).toBe(true));
  it.each(['name', 'tokenCount', 'url', 'householdId', 'keyId'])('%s is not', (key) =>
    expect(isSecretKey(key)).toBe(false),
  );

  it('redact() copies with secrets replaced', () => {
    expect(redact({ a: 1, apiKey: 'k', list: [{ token: 't' }] })).toEqual({
      a: 1,
      apiKey: REDACTED,
      list: [{ token: REDACTED }],
    });
  });
});

describe('correlationId', () => {
  it('keeps a sane incoming id and replaces anything else', () => {
    expect(correlationId('abc-123_x.y')).toBe('abc-123_x.y');
    const fresh = correlationId('bad id with spaces\n');
    expect(fresh).toMatch(/^[0-9a-f-]{36}$/);
    expect(correlationId(undefined)).not.toBe(correlationId(undefined));
    expect(correlationId('x'.repeat(129))).not.toBe('x'.repeat(129));
  });
});

describe('lazyWithCorrelationId', () => {
  it('behaves like the eager child once used', () => {
    const out = captureStdout();
    const lazy = lazyWithCorrelationId(createLogger('medianest-test'), 'req-lazy');
    lazy.info('from lazy', { apiKey: 'k' });
    expect(lazy.getLevelName()).toBe('INFO');
    expect(out.records()[0]).toMatchObject({
      message: 'from lazy',
      correlation_id: 'req-lazy',
      apiKey: REDACTED,
    });
  });
});
