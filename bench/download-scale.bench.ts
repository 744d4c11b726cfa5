/**
 * Large playlists through the download domain and the agent hub (as a transport drives them), on
 * the SQLite file of the self-hosted runtime and on DynamoDB Local:
 *
 * - lifecycle: every video of a resolved N-video playlist offered, one progress report, done; the
 *   table reads it costs (gets, queries, batch gets: one each) per video, and the time;
 * - cancel: the member cancels the playlist while 16 of its videos run: how long the request
 *   takes, its reads and writes, the realtime messages it sends; then how long until every video
 *   is cancelled (the batches of the queue job, drained here one after another).
 *
 * DynamoDB Local is a Java emulator: its times bound tests and the demo, not AWS.
 *
 *   npm run bench -- download-scale   → bench/results/download-scale.json
 *   BENCH_CHILDREN=1000 (SQLite), BENCH_CHILDREN_DYNAMO=1000
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AesKeyring } from '@medianest/core/adapter/keyring/index';
import { openSqlite } from '@medianest/core/adapter/sqlite/db';
import { createDynamoTable, DynamoTable, SqliteTable } from '@medianest/core/adapter/table/index';
import * as Download from '@medianest/core/download/download';
import { setLimits } from '@medianest/core/download/quota';
import {
  as,
  connectScaleAgent,
  counting,
  downloadAll,
  RecordingRealtime,
  resolvePlaylist,
  seedHousehold,
} from '@medianest/core/download/testing';
import { systemClock } from '@medianest/core/port/clock';
import type { Queue } from '@medianest/core/port/queue';
import type { Table } from '@medianest/core/port/table';
import { startDynamoDbLocal } from '@medianest/core/testing/dynamodb-local';

const N_SQLITE = Number(process.env.BENCH_CHILDREN ?? 1000);
const N_DYNAMO = Number(process.env.BENCH_CHILDREN_DYNAMO ?? 1000);

/** A queue that keeps what is sent; the bench runs the jobs itself. */
function memoryQueue(): Queue & { sent: { body: unknown }[] } {
  const sent: { body: unknown }[] = [];
  return {
    sent,
    async send(_queue, body) {
      sent.push({ body });
      return { id: String(sent.length), deduplicated: false };
    },
    depth: async () => sent.length,
    deadLetterDepth: async () => 0,
    redrive: async () => 0,
  };
}

const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

async function run(adapter: string, raw: Table, n: number) {
  const c = counting(raw);
  const realtime = new RecordingRealtime();
  const queue = memoryQueue();
  const deps = {
    table: c.table,
    clock: systemClock,
    keyring: new AesKeyring(randomBytes(32)),
    realtime,
    queue,
    notifyAgents: () => {},
  };
  const h = await seedHousehold(deps);
  await as(h.owner, h.hh, () => setLimits(deps, { videosPerHour: 10_000 }));
  const { session } = await connectScaleAgent(deps, h, 16);

  // lifecycle
  const a = await resolvePlaylist(deps, h, session, n, 'a');
  c.reset();
  let t0 = performance.now();
  const done = await downloadAll(deps, session, a.offers);
  const lifecycleMs = performance.now() - t0;
  const lifecycleReads = c.reads();
  const lifecycleCounts = { ...c.counts };
  const parentA = await as(h.alice, h.hh, () => Download.get(deps, { id: a.id }));
  if (done !== n || parentA.state !== 'done' || parentA.percent !== 100)
    throw new Error(`lifecycle ended ${parentA.state} at ${parentA.percent}% with ${done} of ${n} done`);

  // cancel while 16 run
  const b = await resolvePlaylist(deps, h, session, n, 'b');
  c.reset();
  const published = realtime.messages.length;
  queue.sent.length = 0;
  t0 = performance.now();
  await as(h.alice, h.hh, () => Download.cancel(deps, { id: b.id }));
  const cancelMs = performance.now() - t0;
  const cancelReads = c.reads();
  const cancelWrites = c.counts.writes;
  const cancelMessages = realtime.messages.length - published;
  // The rest runs as queue jobs (none before the change: the request did everything).
  t0 = performance.now();
  let batches = 0;
  const drain = (Download as { drainBulk?: (d: typeof deps, hh: string, id: string) => Promise<number> })
    .drainBulk;
  if (drain) batches = await drain(deps, h.hh, b.id);
  const drainMs = performance.now() - t0;
  const parentB = await as(h.alice, h.hh, () => Download.get(deps, { id: b.id }));
  const left = parentB.children.filter((x) => x.state !== 'cancelled').length;
  if (parentB.state !== 'cancelled' || left !== 0)
    throw new Error(`cancel ended ${parentB.state} with ${left} videos not cancelled`);

  const result = {
    adapter,
    children: n,
    lifecycle: {
      ms: round(lifecycleMs),
      reads: lifecycleReads,
      readsPerVideo: round(lifecycleReads / n, 2),
      batchGetItems: lifecycleCounts.batchGetItems,
      writes: lifecycleCounts.writes,
    },
    cancel: {
      requestMs: round(cancelMs),
      requestReads: cancelReads,
      requestWrites: cancelWrites,
      messagesTotal: realtime.messages.length - published,
      messagesDuringRequest: cancelMessages,
      queueJobs: queue.sent.length,
      batches,
      drainMs: round(drainMs),
    },
  };
  console.log(JSON.stringify(result));
  return result;
}

const dir = mkdtempSync(join(tmpdir(), 'mn-bench-dlscale-'));
const ddb = await startDynamoDbLocal();
const client = new DynamoDBClient({
  endpoint: ddb.endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});
try {
  const db = openSqlite(join(dir, 'medianest.db'));
  const sqlite = await run('sqlite (file)', new SqliteTable(db), N_SQLITE);
  db.close();
  await createDynamoTable(client, 'bench');
  const dynamo = await run('dynamodb-local', new DynamoTable({ client, tableName: 'bench' }), N_DYNAMO);
  const out = join(import.meta.dirname, 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(
    join(out, 'download-scale.json'),
    `${JSON.stringify(
      {
        benchmark: 'download-scale',
        date: new Date().toISOString(),
        node: process.version,
        results: [sqlite, dynamo],
      },
      null,
      2,
    )}\n`,
  );
} finally {
  client.destroy();
  await ddb.stop();
  rmSync(dir, { recursive: true, force: true });
}
