/**
 * The Table port's basic operations on both adapters: the SQLite file the self-hosted runtime uses
 * (WAL, synchronous=FULL, so every write waits for fsync) and DynamoDB Local over loopback HTTP.
 * One caller, one operation at a time: the numbers are per-operation latency, not peak throughput.
 * DynamoDB Local is a Java emulator, so its numbers say nothing about DynamoDB itself; they bound
 * what tests and `npm run demo` against it can do.
 *
 *   npx node bench/table.bench.ts   → bench/results/table.json
 *   BENCH_CASE_MS=3000 (time per case), BENCH_MAX_OPS=20000 (iterations cap per case)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { openSqlite } from '@medianest/core/adapter/sqlite/db';
import { createDynamoTable, DynamoTable, SqliteTable } from '@medianest/core/adapter/table/index';
import type { Table } from '@medianest/core/port/table';
import { notExists } from '@medianest/core/port/table';
import { startDynamoDbLocal } from '@medianest/core/testing/dynamodb-local';
import { summarize } from './lib/stats.ts';

const CASE_MS = Number(process.env.BENCH_CASE_MS ?? 3000);
const MAX_OPS = Number(process.env.BENCH_MAX_OPS ?? 20_000);
const WARMUP_OPS = 100;
const SEED_ITEMS = 500;
const PAGE = 50;

interface CaseResult {
  adapter: string;
  operation: string;
  ops: number;
  opsPerSecond: number;
  latencyMs: { p50: number; p99: number; mean: number; max: number };
}

const payload = {
  title: 'A Movie Title (2026)',
  year: 2026,
  genres: ['drama', 'comedy'],
  note: 'x'.repeat(120),
};
const seedSk = (i: number): string => `ITEM#${String(i).padStart(5, '0')}`;

async function measure(
  adapter: string,
  operation: string,
  op: (i: number) => Promise<unknown>,
): Promise<CaseResult> {
  for (let i = 0; i < WARMUP_OPS; i++) await op(-1 - i);
  const latencies: number[] = [];
  const start = performance.now();
  const deadline = start + CASE_MS;
  for (let i = 0; i < MAX_OPS && performance.now() < deadline; i++) {
    const t0 = performance.now();
    await op(i);
    latencies.push(performance.now() - t0);
  }
  const elapsed = performance.now() - start;
  const result: CaseResult = {
    adapter,
    operation,
    ops: latencies.length,
    opsPerSecond: Math.round((latencies.length / elapsed) * 1000),
    latencyMs: summarize(latencies),
  };
  console.log(
    `${adapter.padEnd(15)} ${operation.padEnd(16)} ${String(result.opsPerSecond).padStart(7)} ops/s  p50 ${result.latencyMs.p50.toFixed(3).padStart(8)} ms  p99 ${result.latencyMs.p99.toFixed(3).padStart(8)} ms  (${result.ops} ops)`,
  );
  return result;
}

async function runCases(adapter: string, table: Table): Promise<CaseResult[]> {
  const seed = Array.from({ length: SEED_ITEMS }, (_, i) => ({ pk: 'BENCH', sk: seedSk(i), ...payload }));
  for (let i = 0; i < seed.length; i += 25) await table.batchWrite({ puts: seed.slice(i, i + 25) });
  // Deterministic spread over the seed so both adapters read the same keys.
  const pick = (i: number, span: number): number => Math.abs((i * 7919) % span);
  const results: CaseResult[] = [];
  results.push(
    await measure(adapter, 'get', (i) => table.get({ pk: 'BENCH', sk: seedSk(pick(i, SEED_ITEMS)) })),
  );
  results.push(await measure(adapter, 'put', (i) => table.put({ pk: 'PUT', sk: `ITEM#${i}`, ...payload })));
  results.push(
    await measure(adapter, `query (${PAGE} items)`, async (i) => {
      const page = await table.query({
        pk: 'BENCH',
        sk: { gte: seedSk(pick(i, SEED_ITEMS - PAGE)) },
        limit: PAGE,
      });
      if (page.items.length !== PAGE) throw new Error(`query returned ${page.items.length} items`);
    }),
  );
  results.push(
    await measure(adapter, 'transact (3)', (i) =>
      table.transact([
        { put: { pk: 'TX', sk: `NEW#${i}`, ...payload }, condition: notExists },
        { update: { pk: 'TX', sk: 'COUNTER' }, spec: { add: { n: 1 } } },
        { check: { pk: 'BENCH', sk: seedSk(pick(i, SEED_ITEMS)) }, condition: { attr: 'pk', exists: true } },
      ]),
    ),
  );
  return results;
}

const dir = mkdtempSync(join(tmpdir(), 'mn-bench-table-'));
const ddb = await startDynamoDbLocal();
const client = new DynamoDBClient({
  endpoint: ddb.endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});
try {
  const db = openSqlite(join(dir, 'medianest.db'));
  const sqlite = await runCases('sqlite (file)', new SqliteTable(db));
  db.close();
  await createDynamoTable(client, 'bench');
  const dynamo = await runCases('dynamodb-local', new DynamoTable({ client, tableName: 'bench' }));
  const result = {
    benchmark: 'table',
    date: new Date().toISOString(),
    node: process.version,
    caseMs: CASE_MS,
    maxOps: MAX_OPS,
    concurrency: 1,
    results: [...sqlite, ...dynamo],
  };
  const out = join(import.meta.dirname, 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'table.json'), `${JSON.stringify(result, null, 2)}\n`);
} finally {
  client.destroy();
  await ddb.stop();
  rmSync(dir, { recursive: true, force: true });
}
