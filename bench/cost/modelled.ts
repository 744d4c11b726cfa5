/**
 * MODELLED, not replayed: the features that are not built yet (status checks, media requests,
 * downloads and the household agent), each written down as the calls it will make on the same
 * ports, at the same memory sizes, with an explicit handler time. Every number here is an
 * assumption and is labelled as such in the results; replace a model with a replay as soon as the
 * feature exists.
 */

import { DEFAULT_SWEEP_INTERVAL_MS, DEFAULT_WATCHED_INTERVAL_MS } from '@medianest/core/status/jobs';
import { type AwsCall, addUsage, emptyUsage, type Usage } from './meter.ts';
import { AWS_CALL_LATENCY_MS, LAMBDA_PLATFORM_LOG_BYTES } from './prices.ts';
import type { StackFacts } from './stack-facts.ts';

/** One Lambda invocation's usage: handler time plus the latency of its AWS calls, at `memoryMb`. */
export function invocationUsage(
  memoryMb: number,
  handlerMs: number,
  calls: Partial<Record<AwsCall, number>>,
  appLogBytes = 200,
): Usage {
  const latency = (Object.entries(calls) as [AwsCall, number][]).reduce(
    (n, [call, count]) => n + count * AWS_CALL_LATENCY_MS[call],
    0,
  );
  const billedMs = Math.ceil(handlerMs + latency);
  return addUsage(emptyUsage(), {
    lambdaInvocations: 1,
    lambdaGbSeconds: (billedMs / 1000) * (memoryMb / 1024),
    logBytes: LAMBDA_PLATFORM_LOG_BYTES + appLogBytes,
    traces: 1,
  });
}

export const ASSUMPTIONS = {
  /**
   * The status checks' cadence as core schedules it (status/jobs.ts): one round (Plex, Overseerr,
   * Kuma) per interval while someone watches, and the sweep over every integrated household.
   * The rounds themselves are replayed (real check jobs against the simulators); only their
   * cadence and the internet round trip below are taken from here.
   */
  watchedCheckEverySeconds: DEFAULT_WATCHED_INTERVAL_MS / 1000,
  sweepCheckEveryMinutes: DEFAULT_SWEEP_INTERVAL_MS / 60_000,
  /**
   * Added to each replayed check round: the simulators answer from loopback in a millisecond,
   * a household's real Plex/Overseerr/Kuma over the internet (TLS, in parallel) in about this.
   */
  checkOutboundMs: 150,
  overseerrSearchHandlerMs: 350,
  overseerrCreateHandlerMs: 400,
  webhookHandlerMs: 60,
  downloadCreateHandlerMs: 120,
  /** Progress reports an agent sends per download. */
  progressReportsPerDownload: 20,
  agentMessageHandlerMs: 25,
  /** API Gateway drops a WebSocket idle for 10 minutes: the agent pings every 9. */
  agentPingEveryMinutes: 9,
  /** API Gateway closes every WebSocket after 2 hours: the agent reconnects. */
  agentReconnectEveryHours: 2,
} as const;

/** One media request through Overseerr: search, create, and the status webhook that follows. */
export function mediaRequest(facts: StackFacts): Usage {
  const http = facts.memoryMb.http;
  let u = addUsage(
    addUsage(
      invocationUsage(http, ASSUMPTIONS.overseerrSearchHandlerMs, { dynamodb: 3, kms: 1 }),
      invocationUsage(http, ASSUMPTIONS.overseerrCreateHandlerMs, { dynamodb: 6, kms: 1 }, 800),
    ),
    invocationUsage(http, ASSUMPTIONS.webhookHandlerMs, { dynamodb: 3, postToConnection: 1 }),
  );
  u = addUsage(u, {
    httpApiRequests: 3,
    cloudFrontRequests: 3,
    dynamoReadUnits: 3 + 3 + 2, // session, membership, integration (×2), quota; webhook: integration, request
    dynamoWriteUnits: 3 + 1, // quota ADD, request, audit; webhook: status update
    kmsRequests: 2,
    wsMessages: 1,
  });
  return u;
}

/** One download: created over HTTP, handed to the agent, progress reported back, completed. */
export function download(facts: StackFacts): Usage {
  const reports = ASSUMPTIONS.progressReportsPerDownload + 1;
  let u = invocationUsage(facts.memoryMb.http, ASSUMPTIONS.downloadCreateHandlerMs, {
    dynamodb: 5,
    postToConnection: 1,
  });
  const report = invocationUsage(facts.memoryMb['ws-default'], ASSUMPTIONS.agentMessageHandlerMs, {
    dynamodb: 2,
  });
  u = addUsage(u, report, reports);
  u = addUsage(u, {
    httpApiRequests: 1,
    cloudFrontRequests: 1,
    dynamoReadUnits: 3 + 1 + reports, // session, membership, quota, agent connection; one read per report
    dynamoWriteUnits: 3 + reports, // quota ADD, download, audit; one update per report
    wsMessages: 1 + reports,
  });
  return u;
}

/** A household agent connected all month: keep-alives and a reconnect every two hours. */
export function agentMonth(facts: StackFacts, minutesPerMonth: number): Usage {
  const pings = minutesPerMonth / ASSUMPTIONS.agentPingEveryMinutes;
  const reconnects = minutesPerMonth / 60 / ASSUMPTIONS.agentReconnectEveryHours;
  let u = emptyUsage();
  u = addUsage(u, invocationUsage(facts.memoryMb['ws-default'], 5, { postToConnection: 1 }, 0), pings);
  u = addUsage(u, { wsMessages: 2 }, pings);
  u = addUsage(u, invocationUsage(facts.memoryMb['ws-connect'], 10, { dynamodb: 3 }), reconnects);
  u = addUsage(u, invocationUsage(facts.memoryMb['ws-disconnect'], 5, { dynamodb: 2 }), reconnects);
  // connect: agent token read, old registration read, two-item transaction; disconnect: pointer read, two deletes
  u = addUsage(u, { dynamoReadUnits: 2 + 1, dynamoWriteUnits: 4 + 2 }, reconnects);
  u = addUsage(u, { wsConnectionMinutes: minutesPerMonth });
  return u;
}
