/**
 * Alarms that mean a person should look: a dead-lettered job, a queue that is not draining,
 * functions that fail or are throttled, an API answering 5xx. All notify one SNS topic; subscribe
 * an address with `-c alarmEmail=ops@example.com`.
 */
import { Duration } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Alarm, ComparisonOperator, type IMetric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { JobQueuePair } from './queues.ts';

export interface AlarmsProps {
  queues: JobQueuePair[];
  functions: Record<string, IFunction>;
  httpApi: HttpApi;
  email?: string | undefined;
}

export class Alarms extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    this.topic = new Topic(this, 'Topic', { displayName: 'MediaNest alarms', enforceSSL: true });
    if (props.email) this.topic.addSubscription(new EmailSubscription(props.email));
    const action = new SnsAction(this.topic);

    const alarm = (alarmId: string, metric: IMetric, threshold: number, description: string) => {
      const a = new Alarm(this, alarmId, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      a.addAlarmAction(action);
      a.addOkAction(action);
      this.alarms.push(a);
    };

    for (const { name, queue, deadLetter } of props.queues) {
      const key = name.replace(/[^A-Za-z0-9]/g, '');
      alarm(
        `${key}DeadLetters`,
        deadLetter.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(1),
          statistic: 'Maximum',
        }),
        1,
        `Jobs of queue "${name}" failed ${5} times and were dead-lettered: inspect, fix, redrive.`,
      );
      alarm(
        `${key}Backlog`,
        queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(5), statistic: 'Maximum' }),
        15 * 60,
        `The oldest job of queue "${name}" has waited 15 minutes: the worker is not keeping up or is failing.`,
      );
    }

    for (const [name, fn] of Object.entries(props.functions)) {
      const key = name.replace(/[^A-Za-z0-9]/g, '');
      alarm(
        `${key}Errors`,
        fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
        5,
        `Function "${name}" failed 5 or more times in 5 minutes.`,
      );
      alarm(
        `${key}Throttles`,
        fn.metricThrottles({ period: Duration.minutes(5), statistic: 'Sum' }),
        1,
        `Function "${name}" was throttled: raise its concurrency or the account limit.`,
      );
    }

    alarm(
      'Http5xx',
      props.httpApi.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }),
      10,
      'The HTTP API answered 10 or more 5xx in 5 minutes.',
    );
  }
}
