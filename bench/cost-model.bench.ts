/**
 * Cost and cold-start model of the AWS deployment (issue 9): what an idle household, a typical
 * household and 10,000 households cost a month at published on-demand prices, and what each
 * Lambda bundle costs at cold start against a minimal Hono handler.
 *
 * Replayed through the LOCAL runtime (startLocal, temp data dir, real HTTP requests, a real
 * WebSocket, the plex.tv simulator for sign-in) with every port metered in AWS units
 * (bench/cost/meter.ts); features not built yet are modelled explicitly (bench/cost/modelled.ts)
 * and labelled so in the results. Prices: bench/cost/prices.ts (one table, with sources and date).
 *
 *   npx node bench/cost-model.bench.ts    → bench/results/cost-model.json
 *   BENCH_INIT_RUNS=n to change the 20 fresh processes per bundle.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { measureInit } from './cost/init.ts';
import { addUsage, emptyUsage, scaleUsage, type Usage } from './cost/meter.ts';
import { ASSUMPTIONS, agentMonth, download, mediaRequest } from './cost/modelled.ts';
import { AWS_CALL_LATENCY_MS, PRICES, PRICES_TAKEN, REGION } from './cost/prices.ts';
import {
  configureIntegrations,
  householdBytes,
  measure,
  replayCheckRounds,
  replayDashboardSession,
  replayTicks,
  signIn,
  signUpOwner,
  startReplayWorld,
  WEB_PING_INTERVAL_S,
} from './cost/replay.ts';
import { MINUTES_PER_MONTH, readStackFacts } from './cost/stack-facts.ts';

const DAYS = 30;
const SECONDS_PER_MONTH = MINUTES_PER_MONTH * 60;
/** Lambda's SQS event source keeps five long-polling (20 s) receivers per queue while enabled. */
const ESM_POLLERS = 5;
const ESM_LONG_POLL_S = 20;
const DASHBOARD_HOURS_PER_DAY = 2;
const REPLAYED_PINGS = 12;
const REPLAYED_CHECK_ROUNDS = 10;
const MIX = { idle: 0.5, typical: 0.4, heavy: 0.1 } as const;
const HOUSEHOLDS = 10_000;

interface Component {
  name: string;
  kind: 'replayed' | 'modelled' | 'fixed';
  count: number;
  usage: Usage;
  /** Fixed monthly USD not expressed as usage (keys, alarms, metrics, storage). */
  usd?: number;
  note?: string;
}

const round = (n: number, d = 4) => Number(n.toFixed(d));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

function priceUsage(u: Usage, traces = u.traces): Record<string, number> {
  return {
    lambdaRequests: u.lambdaInvocations * PRICES.lambdaRequest.usd,
    lambdaDuration: u.lambdaGbSeconds * PRICES.lambdaArmGbSecond.usd,
    httpApi: u.httpApiRequests * PRICES.httpApiRequest.usd,
    webSocketMessages: u.wsMessages * PRICES.wsMessage.usd,
    webSocketMinutes: u.wsConnectionMinutes * PRICES.wsConnectionMinute.usd,
    dynamoWrites: u.dynamoWriteUnits * PRICES.dynamoWriteUnit.usd,
    dynamoReads: u.dynamoReadUnits * PRICES.dynamoReadUnit.usd,
    sqs: u.sqsRequests * PRICES.sqsRequest.usd,
    s3: u.s3Puts * PRICES.s3Put.usd + u.s3Gets * PRICES.s3Get.usd,
    kmsRequests: u.kmsRequests * PRICES.kmsRequest.usd,
    logs: (u.logBytes / 2 ** 30) * PRICES.cloudWatchLogsIngestGb.usd,
    xray: traces * PRICES.xrayTrace.usd,
    cloudFront: u.cloudFrontRequests * PRICES.cloudFrontRequest.usd,
  };
}

/** X-Ray's default rule: the first request each second, then 5 % of the rest. */
const sampledTraces = (invocations: number) =>
  Math.min(invocations, SECONDS_PER_MONTH + 0.05 * Math.max(0, invocations - SECONDS_PER_MONTH));

function total(components: Component[], scale = 1) {
  let usage = emptyUsage();
  let usd = 0;
  const byComponent: Record<string, number> = {};
  for (const c of components) {
    usage = addUsage(usage, c.usage, c.count * scale);
    const cost =
      Object.values(priceUsage(c.usage)).reduce((a, b) => a + b, 0) * c.count * scale + (c.usd ?? 0) * scale;
    byComponent[c.name] = round(cost, 6);
  }
  const lines = priceUsage(usage, sampledTraces(usage.traces));
  const fixedUsd = components.reduce((n, c) => n + (c.usd ?? 0) * scale, 0);
  usd = Object.values(lines).reduce((a, b) => a + b, 0) + fixedUsd;
  return {
    usd: round(usd, 4),
    byService: Object.fromEntries(Object.entries(lines).map(([k, v]) => [k, round(v, 6)])),
    fixedUsd: round(fixedUsd, 4),
    byComponent,
    usage: Object.fromEntries(Object.entries(usage).map(([k, v]) => [k, round(v, 3)])),
  };
}

const facts = readStackFacts();
const loadBefore = loadavg()[0]!;
const world = await startReplayWorld(facts);
let replay: {
  onboarding: Usage;
  signIn: Usage;
  ticksDay: Usage;
  tickCounts: { ticks: number; batches: number };
  session: Usage;
  perPing: Usage;
  sweepRound: Usage;
  watchedRound: (viewers: number) => Usage;
  pingRoundTripMs: number;
  bytes: number;
  functions: Record<string, { invocations: number; medianBilledMs: number }>;
};
try {
  let householdId = '';
  let ownerId = '';
  const onboarding = await measure(world, async () => {
    const owner = await signUpOwner(world);
    householdId = owner.householdId;
    ownerId = (await owner.browser.request<{ user: { id: string } }>('GET', '/api/v1/me')).body.user.id;
  });
  let browser = await signIn(world);
  const signInUsage = await measure(world, async () => {
    browser = await signIn(world);
  });
  let tickCounts = { ticks: 0, batches: 0 };
  const ticksDay = await measure(world, async () => {
    tickCounts = await replayTicks(world, Date.UTC(2026, 10, 1), 24 * 60);
  });
  // From here on the household has Plex, Overseerr and Kuma (simulators) and real checks run.
  const integrations = await configureIntegrations(world, householdId, ownerId);
  const perRound = (u: Usage) => scaleUsage(u, 1 / REPLAYED_CHECK_ROUNDS);
  const rounds = (reason: 'watched' | 'sweep', viewers: number) =>
    measure(world, () =>
      replayCheckRounds(
        world,
        householdId,
        REPLAYED_CHECK_ROUNDS,
        reason,
        viewers,
        ASSUMPTIONS.checkOutboundMs,
      ),
    ).then(perRound);
  const sweepRound = await rounds('sweep', 0);
  const watched1 = await rounds('watched', 1);
  const watched3 = await rounds('watched', 3);
  await integrations.close();
  let rtts: number[] = [];
  const session = await measure(world, async () => {
    rtts = (await replayDashboardSession(world, browser, householdId, REPLAYED_PINGS)).pingRoundTripMs;
  });
  const pingTally = world.meter.functions['ws-default']!;
  const pingGbSeconds = pingTally.gbSeconds / pingTally.invocations;
  const perPing = addUsage(emptyUsage(), {
    wsMessages: 2,
    lambdaInvocations: 1,
    lambdaGbSeconds: pingGbSeconds,
    logBytes: session.logBytes / Math.max(1, session.lambdaInvocations),
    traces: 1,
  });
  replay = {
    onboarding,
    signIn: signInUsage,
    ticksDay,
    tickCounts,
    session,
    perPing,
    sweepRound,
    watchedRound: (viewers) => (viewers >= 3 ? watched3 : watched1),
    pingRoundTripMs: round(median(rtts), 2),
    bytes: await householdBytes(world, householdId),
    functions: Object.fromEntries(
      Object.entries(world.meter.functions).map(([name, t]) => [
        name,
        { invocations: t.invocations, medianBilledMs: median(t.billedMs) },
      ]),
    ),
  };
} finally {
  await world.close();
}

const init = await measureInit(Number(process.env.BENCH_INIT_RUNS ?? 20));

// ---- scenarios --------------------------------------------------------------------------------
const pingsPerSession = (DASHBOARD_HOURS_PER_DAY * 3600) / WEB_PING_INTERVAL_S;
const dashboardMinutes = DASHBOARD_HOURS_PER_DAY * 60 * DAYS;
const watchedRoundsPerMonth = (DASHBOARD_HOURS_PER_DAY * 3600 * DAYS) / ASSUMPTIONS.watchedCheckEverySeconds;
const backgroundRoundsPerMonth = MINUTES_PER_MONTH / ASSUMPTIONS.sweepCheckEveryMinutes;
const storageUsd = (bytes: number) =>
  // GSIs project every attribute: an item is stored about twice; PITR bills the same bytes again.
  ((bytes * 2) / 2 ** 30) * (PRICES.dynamoStorageGbMonth.usd + PRICES.dynamoPitrGbMonth.usd);

const deployment = (metricsEmitted: number): Component[] => [
  {
    name: 'scheduler ticks + hourly sweep job (replayed 1 day × 30)',
    kind: 'replayed',
    count: DAYS,
    usage: replay.ticksDay,
  },
  {
    name: 'SQS event source long polling (5 pollers, 20 s)',
    kind: 'fixed',
    count: 1,
    usage: addUsage(emptyUsage(), { sqsRequests: (ESM_POLLERS * SECONDS_PER_MONTH) / ESM_LONG_POLL_S }),
  },
  {
    name: 'KMS key (first year; +$1 per yearly rotation, capped at +$2)',
    kind: 'fixed',
    count: 1,
    usage: emptyUsage(),
    usd: facts.kmsKeys * PRICES.kmsKeyMonth.usd,
  },
  {
    name: `CloudWatch alarms (${facts.alarms})`,
    kind: 'fixed',
    count: 1,
    usage: emptyUsage(),
    usd: facts.alarms * PRICES.cloudWatchAlarmMonth.usd,
  },
  {
    name: `custom metrics with data (${metricsEmitted} of ${facts.customMetrics})`,
    kind: 'fixed',
    count: 1,
    usage: emptyUsage(),
    usd: metricsEmitted * PRICES.cloudWatchMetricMonth.usd,
  },
];

const idleMarginal: Component[] = [
  {
    name: 'sweep status checks (replayed rounds, core cadence)',
    kind: 'replayed',
    count: backgroundRoundsPerMonth,
    usage: replay.sweepRound,
  },
  {
    name: 'table storage + PITR (replayed bytes)',
    kind: 'replayed',
    count: 1,
    usage: emptyUsage(),
    usd: storageUsd(replay.bytes),
  },
];

const typicalMarginal = (members = 1, requests = 20, downloads = 30): Component[] => [
  { name: 'sign-in with Plex (replayed)', kind: 'replayed', count: members, usage: replay.signIn },
  {
    name: 'dashboard page load + $connect + 12 pings + $disconnect (replayed)',
    kind: 'replayed',
    count: DAYS * members,
    usage: replay.session,
  },
  {
    name: `dashboard keep-alive pings every ${WEB_PING_INTERVAL_S} s (replayed rate)`,
    kind: 'replayed',
    count: (pingsPerSession - REPLAYED_PINGS) * DAYS * members,
    usage: replay.perPing,
  },
  {
    name: 'dashboard connection-minutes',
    kind: 'replayed',
    count: 1,
    usage: addUsage(emptyUsage(), { wsConnectionMinutes: dashboardMinutes * members }),
  },
  {
    name: 'status checks while watched (replayed rounds, core cadence)',
    kind: 'replayed',
    count: watchedRoundsPerMonth,
    usage: replay.watchedRound(members),
  },
  {
    name: 'sweep status checks the rest of the day (replayed rounds)',
    kind: 'replayed',
    count: backgroundRoundsPerMonth * (1 - DASHBOARD_HOURS_PER_DAY / 24),
    usage: replay.sweepRound,
  },
  {
    name: 'media requests via Overseerr (modelled)',
    kind: 'modelled',
    count: requests,
    usage: mediaRequest(facts),
  },
  { name: 'downloads (modelled)', kind: 'modelled', count: downloads, usage: download(facts) },
  {
    name: 'household agent connected all month (modelled)',
    kind: 'modelled',
    count: 1,
    usage: agentMonth(facts, MINUTES_PER_MONTH),
  },
  {
    name: 'table storage + PITR (replayed bytes)',
    kind: 'replayed',
    count: 1,
    usage: emptyUsage(),
    usd: storageUsd(replay.bytes),
  },
];

// A household alone in its deployment starts cold once a day for each function it uses.
const coldStarts = (names: string[]): Component[] =>
  names.map((name) => ({
    name: `cold start INIT of ${name} (billed since 2025-08; measured module init)`,
    kind: 'replayed' as const,
    count: DAYS,
    usage: addUsage(emptyUsage(), {
      lambdaGbSeconds: (init.functions[name]!.initMs.median / 1000) * (facts.memoryMb[name as 'http'] / 1024),
    }),
  }));

const scenarios = {
  idleHouseholdMarginal: total(idleMarginal),
  idleHouseholdAlone: total([...deployment(0), ...idleMarginal]),
  typicalHouseholdMarginal: total(typicalMarginal()),
  typicalHouseholdAlone: total([
    ...deployment(4),
    ...typicalMarginal(),
    ...coldStarts(['http', 'ws-connect', 'ws-default', 'ws-disconnect']),
  ]),
  tenThousandHouseholds: total([
    ...deployment(facts.customMetrics),
    ...idleMarginal.map((c) => ({
      ...c,
      count: c.count * HOUSEHOLDS * MIX.idle,
      usd: (c.usd ?? 0) * HOUSEHOLDS * MIX.idle,
    })),
    ...typicalMarginal().map((c) => ({
      ...c,
      count: c.count * HOUSEHOLDS * MIX.typical,
      usd: (c.usd ?? 0) * HOUSEHOLDS * MIX.typical,
    })),
    ...typicalMarginal(3, 60, 90).map((c) => ({
      ...c,
      name: `heavy: ${c.name}`,
      count: c.count * HOUSEHOLDS * MIX.heavy,
      usd: (c.usd ?? 0) * HOUSEHOLDS * MIX.heavy,
    })),
  ]),
};

const result = {
  benchmark: 'cost-model',
  date: new Date().toISOString(),
  node: process.version,
  region: REGION,
  pricesTaken: PRICES_TAKEN,
  prices: PRICES,
  freeTiers: 'not applied',
  stack: facts,
  assumptions: {
    ...ASSUMPTIONS,
    awsCallLatencyMs: AWS_CALL_LATENCY_MS,
    dashboardHoursPerDay: DASHBOARD_HOURS_PER_DAY,
    webPingIntervalSeconds: WEB_PING_INTERVAL_S,
    esmPollers: ESM_POLLERS,
    mix10k: MIX,
    heavyHousehold: '3 members each with a dashboard 2 h/day, 60 requests, 90 downloads',
    daysPerMonth: DAYS,
  },
  replay: {
    ticksPerDay: replay.tickCounts,
    pingRoundTripMedianMs: replay.pingRoundTripMs,
    householdTableBytes: replay.bytes,
    functions: replay.functions,
    onboardingUsage: replay.onboarding,
    signInUsage: replay.signIn,
    dashboardSessionUsage: replay.session,
    checkRoundUsage: {
      sweep: replay.sweepRound,
      watchedBy1: replay.watchedRound(1),
      watchedBy3: replay.watchedRound(3),
    },
    idleDayUsage: replay.ticksDay,
  },
  scenarios,
  lambdaInit: init,
  loadAverage: { before: round(loadBefore, 1), after: round(loadavg()[0]!, 1) },
};

const out = join(import.meta.dirname, 'results');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'cost-model.json'), `${JSON.stringify(result, null, 2)}\n`);

const usd = (n: number) => `$${n < 1 ? n.toFixed(4) : n.toFixed(2)}`;
console.log(`Cost model (${REGION}, on-demand list prices taken ${PRICES_TAKEN}, no free tiers)`);
console.table({
  'idle household-month (marginal)': { USD: usd(scenarios.idleHouseholdMarginal.usd) },
  'idle household-month (alone in a deployment)': { USD: usd(scenarios.idleHouseholdAlone.usd) },
  'typical household-month (marginal)': { USD: usd(scenarios.typicalHouseholdMarginal.usd) },
  'typical household-month (alone, cold starts)': { USD: usd(scenarios.typicalHouseholdAlone.usd) },
  '10,000-household month': { USD: usd(scenarios.tenThousandHouseholds.usd) },
});
console.table(
  Object.fromEntries(
    Object.entries(init.functions).map(([name, f]) => [
      name,
      {
        KiB: Math.round(f.bytes / 1024),
        'init ms (median)': f.initMs.median,
        'size ×': f.ratio.bytes,
        'init ×': f.ratio.initMs,
      },
    ]),
  ),
);
console.log(
  `minimal Hono handler: ${Math.round(init.minimal.bytes / 1024)} KiB, init median ${init.minimal.initMs.median} ms (${init.runs} fresh processes each)`,
);
