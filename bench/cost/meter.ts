/**
 * Metering decorators: each port of a real (local) System wrapped so every call is counted in the
 * units AWS bills the AWS adapter's equivalent call in — DynamoDB request units by item size,
 * SQS requests per 64 KB, S3 requests, KMS requests, API Gateway WebSocket messages per 32 KB —
 * plus the Lambda invocations (with measured durations) that the runtime around them would make.
 *
 * Where the AWS adapter does more than the local one, the decorator counts what the AWS adapter
 * does (read from its code): SqsQueue claims a dedupId with a conditional put and records the
 * message id with an update; ApiGatewayRealtime queries the connections before posting.
 */
import type { Blob } from '@medianest/core/port/blob';
import type { Keyring } from '@medianest/core/port/keyring';
import type { PullQueue, Queue } from '@medianest/core/port/queue';
import type { Realtime } from '@medianest/core/port/realtime';
import type { Item, Key, Table, TransactOp } from '@medianest/core/port/table';
import { AWS_CALL_LATENCY_MS, LAMBDA_PLATFORM_LOG_BYTES } from './prices.ts';

/** Every billable quantity the model prices. */
export interface Usage {
  dynamoReadUnits: number;
  dynamoWriteUnits: number;
  sqsRequests: number;
  s3Puts: number;
  s3Gets: number;
  kmsRequests: number;
  wsMessages: number;
  wsConnectionMinutes: number;
  httpApiRequests: number;
  cloudFrontRequests: number;
  lambdaInvocations: number;
  lambdaGbSeconds: number;
  logBytes: number;
  traces: number;
}

export const emptyUsage = (): Usage => ({
  dynamoReadUnits: 0,
  dynamoWriteUnits: 0,
  sqsRequests: 0,
  s3Puts: 0,
  s3Gets: 0,
  kmsRequests: 0,
  wsMessages: 0,
  wsConnectionMinutes: 0,
  httpApiRequests: 0,
  cloudFrontRequests: 0,
  lambdaInvocations: 0,
  lambdaGbSeconds: 0,
  logBytes: 0,
  traces: 0,
});

export function addUsage(a: Usage, b: Partial<Usage>, times = 1): Usage {
  const out = { ...a };
  for (const [k, v] of Object.entries(b) as [keyof Usage, number][]) out[k] += v * times;
  return out;
}

export const scaleUsage = (u: Usage, times: number): Usage => addUsage(emptyUsage(), u, times);

/** Item size as DynamoDB computes it: attribute names plus values (strings and binaries by byte, numbers by digits). */
export function dynamoItemSize(item: Record<string, unknown>): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) {
    if (value === undefined) continue;
    size += Buffer.byteLength(name) + valueSize(value);
  }
  return size;
}

function valueSize(value: unknown): number {
  if (value === null || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number' || typeof value === 'bigint') {
    const digits =
      String(value)
        .replace(/^-|\.|e.*$/gi, '')
        .replace(/^0+/, '').length || 1;
    return Math.ceil(digits / 2) + 1;
  }
  if (value instanceof Uint8Array) return value.byteLength;
  if (Array.isArray(value)) return 3 + value.reduce<number>((n, v) => n + 1 + valueSize(v), 0);
  if (typeof value === 'object') {
    return (
      3 +
      Object.entries(value as Record<string, unknown>).reduce(
        (n, [k, v]) => (v === undefined ? n : n + 1 + Buffer.byteLength(k) + valueSize(v)),
        0,
      )
    );
  }
  return Buffer.byteLength(String(value));
}

const readUnits = (bytes: number, consistent: boolean) =>
  Math.max(1, Math.ceil(bytes / 4096)) * (consistent ? 1 : 0.5);
const writeUnits = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));

export type AwsCall = keyof typeof AWS_CALL_LATENCY_MS;

export interface FunctionTally {
  invocations: number;
  gbSeconds: number;
  billedMs: number[];
}

export class Meter {
  usage: Usage = emptyUsage();
  /** Per function: invocations, GB-seconds and each billed duration (for medians). */
  readonly functions: Record<string, FunctionTally> = {};
  /** AWS calls made since the current span began (for the invocation's modelled latency). */
  #calls: Record<AwsCall, number> = { dynamodb: 0, sqs: 0, s3: 0, kms: 0, postToConnection: 0 };

  count(part: Partial<Usage>, call?: AwsCall, calls = 1): void {
    this.usage = addUsage(this.usage, part);
    if (call) this.#calls[call] += calls;
  }

  /** Starts counting the AWS calls of one invocation; returns them (and resets) when called again. */
  takeCalls(): Record<AwsCall, number> {
    const calls = this.#calls;
    this.#calls = { dynamodb: 0, sqs: 0, s3: 0, kms: 0, postToConnection: 0 };
    return calls;
  }

  /**
   * One Lambda invocation: the measured duration of the local work plus the modelled latency of the
   * AWS calls it made, billed per ms at `memoryMb`, plus its INIT when it was a cold start.
   */
  invocation(
    fn: string,
    memoryMb: number,
    measuredMs: number,
    options: { initMs?: number; appLogBytes?: number } = {},
  ) {
    const calls = this.takeCalls();
    const latency = (Object.keys(calls) as AwsCall[]).reduce(
      (n, c) => n + calls[c] * AWS_CALL_LATENCY_MS[c],
      0,
    );
    const billedMs = Math.max(1, Math.ceil(measuredMs + latency)) + Math.ceil(options.initMs ?? 0);
    const gbSeconds = (billedMs / 1000) * (memoryMb / 1024);
    this.count({
      lambdaInvocations: 1,
      lambdaGbSeconds: gbSeconds,
      logBytes: LAMBDA_PLATFORM_LOG_BYTES + (options.appLogBytes ?? 0),
      traces: 1,
    });
    this.functions[fn] ??= { invocations: 0, gbSeconds: 0, billedMs: [] };
    const tally = this.functions[fn];
    tally.invocations += 1;
    tally.gbSeconds += gbSeconds;
    tally.billedMs.push(billedMs);
    return { billedMs, latencyMs: latency };
  }
}

export function meterTable(table: Table, meter: Meter): Table {
  const sizeOf = async (key: Key) => {
    const item = await table.get(key);
    return item ? dynamoItemSize(item) : 0;
  };
  const write = (bytes: number, factor = 1) =>
    meter.count({ dynamoWriteUnits: writeUnits(bytes) * factor }, 'dynamodb');
  return {
    async get(key) {
      const item = await table.get(key);
      meter.count({ dynamoReadUnits: readUnits(item ? dynamoItemSize(item) : 0, true) }, 'dynamodb');
      return item as never;
    },
    async put(item, condition) {
      // A write is billed at the larger of the old and the new item, and a failed condition still bills.
      const before = await sizeOf(item);
      try {
        await table.put(item, condition);
      } finally {
        write(Math.max(before, dynamoItemSize(item)));
      }
    },
    async update(key, spec) {
      const before = await sizeOf(key);
      let after = 0;
      try {
        const out = await table.update(key, spec);
        after = dynamoItemSize(out);
        return out as never;
      } finally {
        write(Math.max(before, after));
      }
    },
    async delete(key, condition) {
      const before = await sizeOf(key);
      try {
        return (await table.delete(key, condition)) as never;
      } finally {
        write(before);
      }
    },
    async query(input) {
      const page = await table.query(input);
      const bytes = page.items.reduce((n, i) => n + dynamoItemSize(i), 0);
      // Base-table queries read consistently (the adapter asks for it); GSIs are eventually consistent.
      meter.count({ dynamoReadUnits: readUnits(bytes, !input.index) }, 'dynamodb');
      return page as never;
    },
    async batchGet(keys) {
      const items = await table.batchGet(keys);
      const units = items.reduce((n, i) => n + readUnits(dynamoItemSize(i), true), 0);
      // Missing keys still cost their minimum read.
      meter.count({ dynamoReadUnits: units + (keys.length - items.length) }, 'dynamodb');
      return items as never;
    },
    async batchWrite(ops) {
      let units = 0;
      for (const item of ops.puts ?? [])
        units += writeUnits(Math.max(await sizeOf(item), dynamoItemSize(item)));
      for (const key of ops.deletes ?? []) units += writeUnits(await sizeOf(key));
      await table.batchWrite(ops);
      meter.count({ dynamoWriteUnits: units }, 'dynamodb');
    },
    async transact(ops) {
      const sizes = await Promise.all(ops.map((op) => opSize(op, sizeOf)));
      try {
        await table.transact(ops);
      } finally {
        let units = 0;
        ops.forEach((op, i) => {
          // Transactions bill twice the units of the same plain operations.
          units += 'check' in op ? readUnits(sizes[i]!, true) * 2 : writeUnits(sizes[i]!) * 2;
        });
        meter.count({ dynamoWriteUnits: units }, 'dynamodb');
      }
    },
    // TTL deletes cost nothing in DynamoDB; the AWS adapter's sweep is a no-op.
    sweepExpired: () => table.sweepExpired(),
  };
}

async function opSize(op: TransactOp, sizeOf: (key: Key) => Promise<number>): Promise<number> {
  if ('put' in op) return Math.max(await sizeOf(op.put), dynamoItemSize(op.put));
  if ('update' in op) return (await sizeOf(op.update)) + 64;
  if ('delete' in op) return sizeOf(op.delete);
  return sizeOf(op.check);
}

const chunks = (bytes: number, size: number) => Math.max(1, Math.ceil(bytes / size));

/** The queue as SqsQueue would bill it; `poll` (the local consumer) is counted by the replay. */
export function meterQueue<Q extends Queue | PullQueue>(queue: Q, meter: Meter): Q {
  const wrapped: Queue = {
    async send(name, body, options = {}) {
      const out = await queue.send(name, body, options);
      const attrs = Object.entries(options.attributes ?? {}).reduce(
        (n, [k, v]) => n + k.length + v.length,
        0,
      );
      const bytes = Buffer.byteLength(JSON.stringify(body)) + attrs;
      if (options.dedupId !== undefined) {
        // SqsQueue: a conditional put of the dedup marker, then (when it was new) an update with the id.
        meter.count({ dynamoWriteUnits: 1 }, 'dynamodb');
        if (out.deduplicated) meter.count({ dynamoReadUnits: 1 }, 'dynamodb');
        else meter.count({ dynamoWriteUnits: 1 }, 'dynamodb');
      }
      if (!out.deduplicated) meter.count({ sqsRequests: chunks(bytes, 64 * 1024) }, 'sqs');
      return out;
    },
    async depth(name) {
      meter.count({ sqsRequests: 1 }, 'sqs');
      return queue.depth(name);
    },
    async deadLetterDepth(name) {
      meter.count({ sqsRequests: 1 }, 'sqs');
      return queue.deadLetterDepth(name);
    },
    async redrive(name) {
      meter.count({ sqsRequests: 3 }, 'sqs', 3);
      return queue.redrive(name);
    },
  };
  if ('poll' in queue)
    (wrapped as PullQueue).poll = (name, handler, options) => queue.poll(name, handler, options);
  return wrapped as Q;
}

export function meterBlob(blob: Blob, meter: Meter): Blob {
  return {
    async put(key, body, options) {
      meter.count({ s3Puts: 1 }, 's3');
      return blob.put(key, body, options);
    },
    async get(key) {
      meter.count({ s3Gets: 1 }, 's3');
      return blob.get(key);
    },
    async head(key) {
      meter.count({ s3Gets: 1 }, 's3');
      return blob.head(key);
    },
    // DELETE requests are free on S3.
    delete: (key) => blob.delete(key),
    // Presigning is local; the browser's GET is billed when it happens.
    signedUrl: (key, seconds) => blob.signedUrl(key, seconds),
  };
}

export function meterKeyring(keyring: Keyring, meter: Meter): Keyring {
  return {
    async encrypt(plaintext, context) {
      meter.count({ kmsRequests: 1 }, 'kms');
      return keyring.encrypt(plaintext, context);
    },
    async decrypt(ciphertext, context) {
      meter.count({ kmsRequests: 1 }, 'kms');
      return keyring.decrypt(ciphertext, context);
    },
  };
}

/** ApiGatewayRealtime: one query of the topic's connections, then one message per delivery (32 KB units). */
export function meterRealtime<R extends Realtime>(realtime: R, meter: Meter): R {
  const publish: Realtime['publish'] = async (topic, message) => {
    const out = await realtime.publish(topic, message);
    const bytes = Buffer.byteLength(JSON.stringify(message));
    meter.count({ dynamoReadUnits: 1 }, 'dynamodb');
    meter.count({ wsMessages: out.delivered * chunks(bytes, 32 * 1024) }, 'postToConnection', out.delivered);
    return out;
  };
  const watchedHouseholds: Realtime['watchedHouseholds'] = async () => {
    const out = await realtime.watchedHouseholds();
    meter.count({ dynamoReadUnits: 0.5 }, 'dynamodb');
    return out;
  };
  // A proxy, not a prototype view: the local hub keeps its sockets in private fields, which only
  // work with the hub itself as `this` (the runtime's /ws calls connect/disconnect through it).
  return new Proxy(realtime, {
    get(target, prop) {
      if (prop === 'publish') return publish;
      if (prop === 'watchedHouseholds') return watchedHouseholds;
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * Installs the decorators on a running System in place, so the app and the jobs (which read
 * `system.table` and friends at call time) go through them. Returns the unmetered ports.
 */
export function installMeters<
  S extends { table: Table; queue: Queue; blob: Blob; keyring: Keyring; realtime: Realtime },
>(system: S, meter: Meter): Pick<S, 'table' | 'queue' | 'blob' | 'keyring' | 'realtime'> {
  const raw = {
    table: system.table,
    queue: system.queue,
    blob: system.blob,
    keyring: system.keyring,
    realtime: system.realtime,
  };
  Object.assign(system, {
    table: meterTable(raw.table, meter),
    queue: meterQueue(raw.queue, meter),
    blob: meterBlob(raw.blob, meter),
    keyring: meterKeyring(raw.keyring, meter),
    realtime: meterRealtime(raw.realtime, meter),
  });
  return raw;
}

export type { Item };
