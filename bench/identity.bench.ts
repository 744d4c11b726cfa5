/**
 * The identity domain's per-request costs on the self-hosted store (SQLite file, WAL,
 * synchronous=FULL): what every API call pays to authenticate (`Session.validate`, then the
 * household membership check), what sign-in pays (rate-limit hit, Plex upsert with AES, session
 * create), and an admin read (member list). One caller, one operation at a time.
 *
 *   npx node bench/identity.bench.ts   → bench/results/identity.json
 *   BENCH_CASE_MS=2000 (time per case), BENCH_MAX_OPS=20000 (iterations cap per case)
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { withActor } from '@medianest/core/actor/context';
import { newId } from '@medianest/core/actor/id';
import { AesKeyring } from '@medianest/core/adapter/keyring/aes';
import { openSqlite } from '@medianest/core/adapter/sqlite/db';
import { SqliteTable } from '@medianest/core/adapter/table/sqlite';
import { requireAccess } from '@medianest/core/household/access';
import { keys, memberItem } from '@medianest/core/household/keys';
import * as Members from '@medianest/core/household/members';
import { systemClock } from '@medianest/core/port/clock';
import * as RateLimit from '@medianest/core/rate-limit/rate-limit';
import * as Session from '@medianest/core/session/session';
import * as User from '@medianest/core/user/user';
import { summarize } from './lib/stats.ts';

const CASE_MS = Number(process.env.BENCH_CASE_MS ?? 2000);
const MAX_OPS = Number(process.env.BENCH_MAX_OPS ?? 20_000);
const WARMUP_OPS = 50;
const MEMBERS = 50;

interface CaseResult {
  operation: string;
  ops: number;
  opsPerSecond: number;
  latencyMs: { p50: number; p99: number; mean: number; max: number };
}

async function measure(operation: string, op: (i: number) => Promise<unknown>): Promise<CaseResult> {
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
    operation,
    ops: latencies.length,
    opsPerSecond: Math.round((latencies.length / elapsed) * 1000),
    latencyMs: summarize(latencies),
  };
  process.stdout.write(
    `${operation.padEnd(34)} ${String(result.opsPerSecond).padStart(7)} ops/s  p50 ${result.latencyMs.p50.toFixed(3).padStart(7)} ms  p99 ${result.latencyMs.p99.toFixed(3).padStart(7)} ms  (${result.ops} ops)\n`,
  );
  return result;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'medianest-identity-bench-'));
  const db = openSqlite(join(dir, 'medianest.db'));
  const deps = { table: new SqliteTable(db), clock: systemClock, keyring: new AesKeyring(randomBytes(32)) };
  try {
    // A household with an owner and MEMBERS members, all with Plex accounts.
    const { user: owner } = await User.upsertFromPlex(deps, {
      account: { id: 1, username: 'owner', title: 'Owner' },
      token: 'tok-owner',
    });
    const hh = newId('hh', Date.now());
    await deps.table.put({
      ...keys.household(hh),
      type: 'household',
      id: hh,
      name: 'Bench',
      ownerId: owner.id,
      servers: [],
    });
    await deps.table.put(
      memberItem(hh, owner.id, { role: 'owner', status: 'active', joinedVia: 'created' }, Date.now()),
    );
    for (let i = 0; i < MEMBERS; i++) {
      const { user } = await User.upsertFromPlex(deps, {
        account: { id: 100 + i, username: `m${i}` },
        token: `tok-${i}`,
      });
      await deps.table.put(
        memberItem(hh, user.id, { role: 'member', status: 'active', joinedVia: 'invite' }, Date.now()),
      );
    }
    const { token } = await Session.create(deps, { userId: owner.id });

    const results: CaseResult[] = [];
    results.push(await measure('session.validate', () => Session.validate(deps, token)));
    results.push(
      await measure('session.validate + requireAccess', async () => {
        const { session } = await Session.validate(deps, token);
        return withActor({ type: 'user', userId: session.userId, householdId: hh }, () =>
          requireAccess(deps, { permission: 'request' }),
        );
      }),
    );
    results.push(
      await measure('rateLimit.hit (write)', (i) =>
        RateLimit.hit(deps, `bench:${i % 100}`, { limit: 1e9, windowSeconds: 60 }),
      ),
    );
    results.push(
      await measure('user.upsertFromPlex (sign-in)', (i) =>
        User.upsertFromPlex(deps, {
          account: { id: 100 + (Math.abs(i) % MEMBERS), username: 'm' },
          token: `t${i}`,
        }),
      ),
    );
    results.push(await measure('session.create (write)', () => Session.create(deps, { userId: owner.id })));
    results.push(
      await measure(`members.list (${MEMBERS + 1} members)`, () =>
        withActor({ type: 'user', userId: owner.id, householdId: hh }, () => Members.list(deps)),
      ),
    );

    const out = {
      benchmark: 'identity',
      store: 'sqlite (WAL, synchronous=FULL)',
      node: process.version,
      cpus: cpus().length,
      loadavg: loadavg().map((l) => Number(l.toFixed(2))),
      caseMs: CASE_MS,
      results,
    };
    mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
    writeFileSync(join(import.meta.dirname, 'results', 'identity.json'), `${JSON.stringify(out, null, 2)}\n`);
    process.stdout.write('wrote bench/results/identity.json\n');
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
