/** The scheduler tick: one EventBridge rule, every minute, drives all periodic work. */
import { Duration } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

export class Tick extends Construct {
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: { handler: IFunction }) {
    super(scope, id);
    this.rule = new Rule(this, 'EveryMinute', {
      description: 'MediaNest scheduler tick',
      schedule: Schedule.rate(Duration.minutes(1)),
      // A tick that could not run is superseded by the next one: never retry it late.
      targets: [new LambdaFunction(props.handler, { retryAttempts: 0, maxEventAge: Duration.minutes(1) })],
    });
  }
}
