/** The same app on the AWS composition root, against DynamoDB Local (no SQS here). */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoTable } from '@medianest/core/adapter/table/schema';
import { createLogger } from '@medianest/core/observability/logger';
import { createAwsSystem } from '@medianest/core/system/index';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApp } from './app.ts';
import type { HealthBody } from './routes/health.ts';

const endpoint = inject('dynamoEndpoint');
const base = {
  AWS_ENDPOINT_URL_DYNAMODB: endpoint,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  MEDIANEST_MODE: 'saas',
};
const quiet = () => createLogger('medianest-test', { level: 'SILENT' });

describe.skipIf(!endpoint)('GET /api/health on the AWS system', () => {
  const tableName = `mn-health-${Date.now()}`;
  let admin: DynamoDBClient;

  beforeAll(async () => {
    admin = new DynamoDBClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await createDynamoTable(admin, tableName);
  });
  afterAll(() => admin.destroy());

  it('reports dynamodb and a degraded queue when SQS cannot be read', async () => {
    const system = createAwsSystem({ ...base, MEDIANEST_TABLE: tableName }, { logger: quiet() });
    const res = await createApp(system).request('/api/health');
    expect(res.status).toBe(200);
    expect((await res.json()) as HealthBody).toMatchObject({
      status: 'degraded',
      mode: 'saas',
      store: 'dynamodb',
      queue: { depth: null, deadLetter: null },
    });
    await system.close();
  });

  it('answers 503 when the table does not exist', async () => {
    const system = createAwsSystem({ ...base, MEDIANEST_TABLE: 'no-such-table' }, { logger: quiet() });
    const res = await createApp(system).request('/api/health');
    expect(res.status).toBe(503);
    expect(((await res.json()) as HealthBody).status).toBe('unavailable');
    await system.close();
  });
});
