import { createLogger } from '@medianest/core/observability/logger';
import { ConfigError, createAwsSystem } from '@medianest/core/system/index';
import { describe, expect, it } from 'vitest';
import { withLogger } from './runtime.ts';

describe('withLogger', () => {
  it('swaps the logger without touching the lazy AWS adapters', () => {
    // arrange: no cloud variables at all, so creating any adapter would throw
    const system = createAwsSystem({ LOG_LEVEL: 'SILENT' });
    const logger = createLogger('test', { level: 'SILENT' });
    // act
    const view = withLogger(system, logger);
    // assert
    expect(view.logger).toBe(logger);
    expect(system.logger).not.toBe(logger);
    expect(view.runtime).toBe('aws');
    expect(() => view.table).toThrow(ConfigError);
    expect(() => ({ ...system }).table).toThrow(ConfigError);
  });
});
