/** Latency statistics shared by the benchmarks, so every JSON result means the same thing. */

/** The q-quantile (0–1) of ascending-sorted samples, nearest-rank, rounded to 3 decimals. */
export function quantile(sorted: number[], q: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return Number((sorted[i] ?? 0).toFixed(3));
}

export interface LatencySummary {
  p50: number;
  p99: number;
  mean: number;
  max: number;
}

/** Sorts `latencies` in place and summarises them (milliseconds in, milliseconds out). */
export function summarize(latencies: number[]): LatencySummary {
  latencies.sort((a, b) => a - b);
  return {
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    mean: Number((latencies.reduce((s, l) => s + l, 0) / Math.max(1, latencies.length)).toFixed(3)),
    max: quantile(latencies, 1),
  };
}
