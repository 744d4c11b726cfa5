import type { Logger } from '@medianest/core/observability/logger';
import type { System } from '@medianest/core/system/index';

/** What every handler finds on the context. */
export interface AppEnv {
  Variables: {
    system: System;
    /** Child of the system logger carrying this request's correlation id. */
    logger: Logger;
    requestId: string;
  };
}
