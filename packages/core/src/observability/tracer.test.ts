import { describe, expect, it } from 'vitest';
import { annotateTrace, captureAwsClient, setTracer, Tracer, traced, tracer } from './tracer.ts';

describe('tracer outside Lambda', () => {
  it('is disabled, returns clients untouched and runs work as it is', async () => {
    // A client stand-in: capturing would add X-Ray middleware to its stack.
    const client = { middlewareStack: { use: () => undefined, add: () => undefined } };
    expect(tracer().isTracingEnabled()).toBe(false);
    expect(captureAwsClient(client)).toBe(client);
    expect(() => annotateTrace({ correlationId: 'req-1', householdId: 'hh_1' })).not.toThrow();
    await expect(traced('http', async () => 42)).resolves.toBe(42);
    await expect(
      traced('http', async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
  });

  it('can be replaced by the runtime', () => {
    const replacement = new Tracer({ enabled: false, serviceName: 'other' });
    expect(setTracer(replacement)).toBe(tracer());
  });
});
