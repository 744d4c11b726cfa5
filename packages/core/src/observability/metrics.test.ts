import { describe, expect, it } from 'vitest';
import { createMetrics, METRICS_NAMESPACE, metrics, metricsModeFor, setMetrics } from './metrics.ts';

describe('business metrics', () => {
  it('writes one EMF line per flush in namespace MediaNest, with metadata, not dimensions, for who', () => {
    // arrange
    const lines: string[] = [];
    const recorder = createMetrics({ mode: 'emf', stage: 'prod', write: (l) => lines.push(l) });
    // act
    recorder.signIn({ method: 'plex', ok: true, householdId: 'hh_1' });
    recorder.signIn({ method: 'github', ok: false });
    recorder.check({ service: 'kuma', ok: true });
    recorder.flush();
    recorder.flush();
    // assert
    expect(lines).toHaveLength(1);
    const emf = JSON.parse(lines[0]!);
    const [directive] = emf._aws.CloudWatchMetrics;
    expect(directive.Namespace).toBe(METRICS_NAMESPACE);
    expect(directive.Dimensions).toEqual([['service', 'stage']]);
    expect(directive.Metrics.map((m: { Name: string; Unit: string }) => [m.Name, m.Unit]).sort()).toEqual([
      ['Check', 'Count'],
      ['SignIn', 'Count'],
      ['SignInFailed', 'Count'],
    ]);
    expect(emf).toMatchObject({ SignIn: 1, SignInFailed: 1, Check: 1, stage: 'prod', householdId: 'hh_1' });
  });

  it('writes nothing when nothing was recorded, and starts afresh after a flush', () => {
    const lines: string[] = [];
    const recorder = createMetrics({ mode: 'emf', write: (l) => lines.push(l) });
    recorder.flush();
    expect(lines).toEqual([]);
    recorder.download({ ok: true, bytes: 1024 });
    recorder.flush();
    recorder.mediaRequest({ action: 'created' });
    recorder.flush();
    expect(lines.map((l) => Object.keys(JSON.parse(l)).filter((k) => /^[A-Z]/.test(k)))).toEqual([
      ['Download'],
      ['MediaRequest'],
    ]);
  });

  it('only counts in memory mode (no output) and ignores everything when off', () => {
    const lines: string[] = [];
    const memory = createMetrics({ mode: 'memory', write: (l) => lines.push(l) });
    memory.download({ ok: false });
    memory.download({ ok: false });
    memory.flush();
    const off = createMetrics({ mode: 'off', write: (l) => lines.push(l) });
    off.signIn({ method: 'plex', ok: true });
    off.flush();
    expect(lines).toEqual([]);
    expect(memory.snapshot()).toEqual({ DownloadFailed: 2 });
    expect(off.snapshot()).toEqual({});
  });

  it('emits EMF in Lambda, counts silently elsewhere, and obeys MEDIANEST_METRICS', () => {
    expect(metricsModeFor({})).toBe('memory');
    expect(metricsModeFor({ AWS_LAMBDA_FUNCTION_NAME: 'MediaNest-prod-Http' })).toBe('emf');
    expect(metricsModeFor({ AWS_LAMBDA_FUNCTION_NAME: 'x', MEDIANEST_METRICS: 'off' })).toBe('off');
    expect(metricsModeFor({ MEDIANEST_METRICS: 'EMF' })).toBe('emf');
    expect(metricsModeFor({ MEDIANEST_METRICS: 'loud' })).toBe('memory');
  });

  it('hands out the installed process recorder', () => {
    const installed = setMetrics(createMetrics({ mode: 'memory' }));
    metrics().check({ service: 'plex', ok: false });
    expect(metrics()).toBe(installed);
    expect(installed.snapshot()).toEqual({ CheckFailed: 1 });
  });
});
