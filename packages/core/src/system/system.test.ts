import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { createDynamoTable } from '../adapter/table/schema.ts';
import { createLogger } from '../observability/logger.ts';
import { ConfigError } from './config.ts';
import { createAwsSystem, createLocalSystem, loadConfig } from './index.ts';

const quiet = () => createLogger('medianest-test', { level: 'SILENT' });

describe('createLocalSystem', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mn-system-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps everything in the data directory and survives a restart', async () => {
    // arrange
    const config = loadConfig({ MEDIANEST_DATA_DIR: dir });
    const first = await createLocalSystem(config, { logger: quiet() });
    expect(first).toMatchObject({ runtime: 'local', store: 'sqlite', mode: 'selfhosted' });
    // act
    await first.table.put({ pk: 'H#1', sk: 'META', name: 'Home' });
    await first.queue.send('jobs', { type: 'x', data: {} });
    await first.blob.put('posters/1.jpg', new TextEncoder().encode('jpeg'), { contentType: 'image/jpeg' });
    const sealed = await first.keyring.encrypt('plex-token', { householdId: 'H#1' });
    await first.close();
    const second = await createLocalSystem(config, { logger: quiet() });
    // assert
    expect(existsSync(join(dir, 'medianest.db'))).toBe(true);
    expect(existsSync(join(dir, 'keyring.key'))).toBe(true);
    expect(existsSync(join(dir, 'blobs'))).toBe(true);
    expect(await second.table.get({ pk: 'H#1', sk: 'META' })).toMatchObject({ name: 'Home' });
    expect(await second.queue.depth('jobs')).toBe(1);
    expect(new TextDecoder().decode((await second.blob.get('posters/1.jpg'))?.body)).toBe('jpeg');
    expect(await second.keyring.decrypt(sealed, { householdId: 'H#1' })).toBe('plex-token');
    // One file for table and queue: both sets of tables live in the same database.
    const names = (
      second.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]
    ).map((r) => r.name);
    expect(names).toContain('tbl_items');
    expect(names.some((n) => n.startsWith('q_'))).toBe(true);
    await second.close();
    await expect(second.table.get({ pk: 'H#1', sk: 'META' })).rejects.toThrow();
  });
});

describe('createAwsSystem', () => {
  it('reads no cloud name until an adapter is used, then names the missing variable', () => {
    const system = createAwsSystem({}, { logger: quiet() });
    expect(system).toMatchObject({ runtime: 'aws', store: 'dynamodb', mode: 'selfhosted' });
    const missing = (use: () => unknown) => {
      try {
        use();
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as ConfigError).issues[0]?.variable;
      }
      return undefined;
    };
    expect(missing(() => system.table)).toBe('MEDIANEST_TABLE');
    expect(missing(() => system.blob)).toBe('MEDIANEST_BUCKET');
    expect(missing(() => system.keyring)).toBe('MEDIANEST_KMS_KEY_ID');
    expect(missing(() => system.realtime)).toBe('MEDIANEST_WS_ENDPOINT');
  });

  it('asks for a queue URL only when that queue is used', async () => {
    const system = createAwsSystem(
      { MEDIANEST_TABLE: 't', AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y' },
      { logger: quiet() },
    );
    const err = await system.queue.send('jobs', { type: 'x', data: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toContain('MEDIANEST_QUEUE_URL_JOBS');
    await system.close();
  });

  it('fails at creation on a malformed variable', () => {
    expect(() => createAwsSystem({ MEDIANEST_QUEUE_URL_JOBS: 'nope' })).toThrow(
      /MEDIANEST_QUEUE_URL_JOBS: expected/,
    );
  });

  const endpoint = inject('dynamoEndpoint');
  it.skipIf(!endpoint)(
    'creates each adapter once and talks to DynamoDB with the given settings',
    async () => {
      const env = {
        MEDIANEST_TABLE: `mn-system-${Date.now()}`,
        AWS_ENDPOINT_URL_DYNAMODB: endpoint,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
      };
      const admin = new DynamoDBClient({
        endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
      await createDynamoTable(admin, env.MEDIANEST_TABLE);
      const system = createAwsSystem(env, { logger: quiet() });
      expect(system.table).toBe(system.table);
      await system.table.put({ pk: 'H#1', sk: 'META', name: 'Cloud home' });
      expect(await system.table.get({ pk: 'H#1', sk: 'META' })).toMatchObject({ name: 'Cloud home' });
      await system.close();
      admin.destroy();
    },
  );
});
