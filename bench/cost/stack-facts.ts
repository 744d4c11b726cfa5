/**
 * What the cost model takes from the deployment itself rather than from assumptions: the prod
 * template is synthesized (offline, without bundling) and read for each function's memory, the
 * tick rule's cadence, the number of alarms and the worker's event source.
 */

import { BUSINESS_METRICS } from '@medianest/core/observability/metrics';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { FunctionName } from '../../infra/src/functions.ts';
import { MediaNestStack } from '../../infra/src/stack.ts';

export interface StackFacts {
  memoryMb: Record<FunctionName, number>;
  tickEveryMinutes: number;
  ticksPerMonth: number;
  alarms: number;
  kmsKeys: number;
  /** Custom metrics the functions can emit (each billed once it has data in a month). */
  customMetrics: number;
  workerMaxConcurrency: number;
}

export const MINUTES_PER_MONTH = 30 * 24 * 60;

export function readStackFacts(): StackFacts {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new MediaNestStack(app, 'CostModel', { stage: 'prod' });
  const json = Template.fromStack(stack).toJSON() as {
    // biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON
    Resources: Record<string, { Type: string; Properties: any }>;
  };
  const memoryMb = {} as Record<FunctionName, number>;
  for (const [name, fn] of Object.entries(stack.functions.byName) as [
    FunctionName,
    typeof stack.functions.byName.http,
  ][]) {
    const id = stack.getLogicalId(fn.node.defaultChild as never);
    memoryMb[name] = json.Resources[id]!.Properties.MemorySize;
  }
  const resources = Object.values(json.Resources);
  const rule = resources.find((r) => r.Type === 'AWS::Events::Rule')!;
  const rate = /^rate\((\d+) minutes?\)$/.exec(rule.Properties.ScheduleExpression);
  if (!rate) throw new Error(`unexpected tick schedule ${rule.Properties.ScheduleExpression}`);
  const tickEveryMinutes = Number(rate[1]);
  const mapping = resources.find((r) => r.Type === 'AWS::Lambda::EventSourceMapping')!;
  return {
    memoryMb,
    tickEveryMinutes,
    ticksPerMonth: MINUTES_PER_MONTH / tickEveryMinutes,
    alarms: resources.filter((r) => r.Type === 'AWS::CloudWatch::Alarm').length,
    kmsKeys: resources.filter((r) => r.Type === 'AWS::KMS::Key').length,
    customMetrics: BUSINESS_METRICS.length,
    workerMaxConcurrency: mapping.Properties.ScalingConfig?.MaximumConcurrency ?? 1000,
  };
}
