/**
 * The request domain's hot paths on the self-hosted store (SQLite file, WAL, synchronous=FULL):
 * - quota reservation (one transaction over the member's and the household's counters), one at a
 *   time and with 20 in flight for the same member (the contention case a double-click storm or a
 *   script produces), and reserve + release;
 * - Overseerr webhook handling: a state change (verify in constant time, parse, one transaction
 *   with the replay marker, the record and the requester's inbox, then the live push), a replay
 *   (marker hit, nothing written), and a wrong Authorization (401).
 *
 *   npx node bench/requests.bench.ts   → bench/results/requests.json
 *   BENCH_CASE_MS=2000 (time per case), BENCH_MAX_OPS=20000 (iterations cap per case)
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { withActor } from '@medianest/core/actor/context';
import { newUlid } from '@medianest/core/actor/id';
import { AesKeyring } from '@medianest/core/adapter/keyring/aes';
import { SqliteQueue } from '@medianest/core/adapter/queue/sqlite';
import { openSqlite } from '@medianest/core/adapter/sqlite/db';
import { SqliteTable } from '@medianest/core/adapter/table/sqlite';
import { systemClock } from '@medianest/core/port/clock';
import * as Quota from '@medianest/core/quota/quota';
import { recordingRealtime, seedHousehold } from '@medianest/core/request/fixtures';
import { keys, type RequestItem } from '@medianest/core/request/keys';
import { handleOverseerrWebhook, webhookSettings } from '@medianest/core/request/webhook';
import { summarize } from './lib/stats.ts';

const CASE_MS = Number(process.env.BENCH_CASE_MS ?? 2000);
const MAX_OPS = Number(process.env.BENCH_MAX_OPS ?? 20_000);
const WARMUP_OPS = 50;
const IN_FLIGHT = 20;

interface CaseResult {
  operation: string;
  ops: number;
  opsPerSecond: number;
  latencyMs: { p50: number; p99: number; mean: number; max: number };
}

function report(operation: string, latencies: number[], elapsed: number): CaseResult {
  const result: CaseResult = {
    operation,
    ops: latencies.length,
    opsPerSecond: Math.round((latencies.length / elapsed) * 1000),
    latencyMs: summarize(latencies),
  };
  process.stdout.write(
    `${operation.padEnd(44)} ${String(result.opsPerSecond).padStart(7)} ops/s  p50 ${result.latencyMs.p50.toFixed(3).padStart(7)} ms  p99 ${result.latencyMs.p99.toFixed(3).padStart(7)} ms  (${result.ops} ops)\n`,
  );
  return result;
}

/** `concurrency` workers call `op` until the time or op budget runs out. */
async function measure(
  operation: string,
  op: (i: number) => Promise<unknown>,
  concurrency = 1,
  warmup = true,
  maxOps = MAX_OPS,
): Promise<CaseResult> {
  if (warmup) for (let i = 0; i < WARMUP_OPS; i++) await op(-1 - i);
  const latencies: number[] = [];
  const start = performance.now();
  const deadline = start + CASE_MS;
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < maxOps && performance.now() < deadline) {
        const i = next++;
        const t0 = performance.now();
        await op(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return report(operation, latencies, performance.now() - start);
}

function webhookBody(type: string, requestId: number, tmdbId: number): string {
  // Overseerr's default template as rendered: every value a string.
  return JSON.stringify({
    notification_type: type,
    event: 'Movie Request Approved',
    subject: `Bench Movie ${tmdbId} (2024)`,
    message: 'A movie used by the benchmark.',
    image: 'https://image.tmdb.org/t/p/w600_and_h900_bestv2/x.jpg',
    media: {
      media_type: 'movie',
      tmdbId: String(tmdbId),
      tvdbId: '',
      status: 'PROCESSING',
      status4k: 'UNKNOWN',
    },
    request: {
      request_id: String(requestId),
      requestedBy_email: 'alice@example.com',
      requestedBy_username: 'alice',
      requestedBy_avatar: '',
      requestedBy_settings_discordId: '',
      requestedBy_settings_telegramChatId: '',
    },
    issue: null,
    comment: null,
    extra: [],
  });
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'medianest-requests-bench-'));
  const db = openSqlite(join(dir, 'medianest.db'));
  const live = recordingRealtime();
  const deps = {
    table: new SqliteTable(db),
    clock: systemClock,
    keyring: new AesKeyring(randomBytes(32)),
    realtime: live.realtime,
    queue: new SqliteQueue(db),
  };
  try {
    const { householdId: hh, users } = await seedHousehold(deps, [
      { name: 'Olivia', plexId: 1, role: 'owner' },
      { name: 'Alice', plexId: 2, role: 'member' },
    ]);
    const alice = users.Alice as string;
    live.watch(alice, hh);
    const asOwner = <T>(f: () => Promise<T>) =>
      withActor({ type: 'user', userId: users.Olivia as string, householdId: hh }, f);
    await asOwner(() =>
      Quota.setSettings(deps, { member: { week: 100_000 }, household: { month: 100_000 } }),
    );
    const { authorization } = await asOwner(() =>
      webhookSettings({ ...deps, publicUrl: 'https://mn.example' }),
    );
    const who = { householdId: hh, userId: alice };

    const results: CaseResult[] = [];
    results.push(
      await measure('quota.reserve (member week + household month)', () => Quota.reserve(deps, who)),
    );
    results.push(
      await measure(
        `quota.reserve, ${IN_FLIGHT} in flight (same member)`,
        () => Quota.reserve(deps, who),
        IN_FLIGHT,
      ),
    );
    results.push(
      await measure('quota.reserve + release', async () =>
        Quota.release(deps, await Quota.reserve(deps, who)),
      ),
    );

    // Pending request records to approve, one per webhook, with their Overseerr pointers.
    // A state change needs a fresh pending record per webhook; 5,000 outlast any 2 s case here.
    const total = Math.min(MAX_OPS, 5_000);
    const now = Date.now();
    for (let n = 1; n <= total; n++) {
      const ulid = newUlid(now);
      const item: RequestItem = {
        ...keys.request(hh, ulid),
        type: 'request',
        v: 1,
        rev: 1,
        id: `req_${ulid}`,
        householdId: hh,
        overseerrRequestId: n,
        mediaType: 'movie',
        tmdbId: 100_000 + n,
        tvdbId: null,
        title: `Bench Movie ${n}`,
        year: 2024,
        posterPath: null,
        seasons: null,
        is4k: false,
        status: 'pending',
        requestedBy: alice,
        overseerrUserId: 5,
        reason: null,
        decidedBy: null,
        quota: [],
        timeline: [{ at: now, status: 'pending', by: alice, note: null }],
        createdAt: now,
        updatedAt: now,
        gsi1pk: keys.byUser(hh, alice),
        gsi1sk: `REQ#${ulid}`,
        gsi2pk: keys.byTitle(hh, 'movie', 100_000 + n),
        gsi2sk: `REQ#${ulid}`,
      };
      await deps.table.transact([
        { put: item },
        { put: { ...keys.pointer(hh, n), type: 'request_pointer', requestSk: item.sk } },
      ]);
    }
    let seq = 0;
    const approvedBodies: string[] = [];
    const applied = await measure(
      'webhook MEDIA_APPROVED (state change + inbox)',
      async () => {
        const n = ++seq;
        const body = webhookBody('MEDIA_APPROVED', n, 100_000 + n);
        approvedBodies.push(body);
        const out = await handleOverseerrWebhook(deps, hh, { authorization, body });
        if (out.outcome !== 'applied') throw new Error(`expected applied, got ${out.outcome}`);
      },
      1,
      false,
      total,
    );
    results.push(applied);
    results.push(
      await measure('webhook replay (duplicate, nothing written)', async (i) => {
        const body = approvedBodies[Math.abs(i) % approvedBodies.length] as string;
        const out = await handleOverseerrWebhook(deps, hh, { authorization, body });
        if (out.outcome !== 'duplicate') throw new Error(`expected duplicate, got ${out.outcome}`);
      }),
    );
    results.push(
      await measure('webhook wrong Authorization (401)', async () => {
        try {
          await handleOverseerrWebhook(deps, hh, { authorization: `${authorization}x`, body: '{}' });
        } catch {
          return;
        }
        throw new Error('expected a 401');
      }),
    );

    const out = {
      benchmark: 'requests',
      store: 'sqlite (WAL, synchronous=FULL)',
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      loadavg: loadavg().map((l) => Number(l.toFixed(2))),
      caseMs: CASE_MS,
      at: new Date().toISOString(),
      results,
    };
    mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
    writeFileSync(join(import.meta.dirname, 'results', 'requests.json'), `${JSON.stringify(out, null, 2)}\n`);
    process.stdout.write('wrote bench/results/requests.json\n');
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
