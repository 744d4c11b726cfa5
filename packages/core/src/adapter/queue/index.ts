export { type ConsumerHandle, type RunConsumerOptions, recordHandler, runConsumer } from './consumer.ts';
export { defaultBackoffSeconds, QUEUE_LIMITS, SqliteQueue, type SqliteQueueOptions } from './sqlite.ts';
export { fromSqsRecord, type SqsEventRecord, SqsQueue, type SqsQueueOptions } from './sqs.ts';
