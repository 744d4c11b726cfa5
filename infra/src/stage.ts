/** What differs between a throwaway dev stack and production. */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';

export const STAGES = ['dev', 'prod'] as const;
export type Stage = (typeof STAGES)[number];

export interface StageConfig {
  stage: Stage;
  /** Data stores: kept when the stack is deleted in prod, removed in dev. */
  removalPolicy: RemovalPolicy;
  deletionProtection: boolean;
  logRetention: RetentionDays;
  logLevel: 'DEBUG' | 'INFO';
  /** How long a dead-lettered job is kept for inspection and redrive. */
  dlqRetention: Duration;
  /**
   * SSM Parameter Store path of the identity settings (Plex client id, OAuth client ids and
   * secrets as SecureString parameters named like their variables). Created by the operator,
   * never by the stack: CloudFormation cannot create SecureString parameters, and a secret in a
   * template is a secret in every copy of it. See DEPLOY.md.
   */
  secretsPath: string;
}

export function parseStage(value: unknown): Stage {
  const stage = value ?? 'dev';
  if (typeof stage === 'string' && (STAGES as readonly string[]).includes(stage)) return stage as Stage;
  throw new Error(`context "stage" must be one of ${STAGES.join(', ')}; got ${JSON.stringify(value)}`);
}

export function stageConfig(stage: Stage): StageConfig {
  const prod = stage === 'prod';
  return {
    stage,
    removalPolicy: prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    deletionProtection: prod,
    logRetention: prod ? RetentionDays.ONE_MONTH : RetentionDays.ONE_WEEK,
    logLevel: prod ? 'INFO' : 'DEBUG',
    dlqRetention: Duration.days(14),
    secretsPath: `/medianest/${stage}`,
  };
}
