import type { Logger } from '@medianest/core/observability/logger';
import type { System } from '@medianest/core/system/index';

/** The session behind the request's `mn_session` cookie, once validated. */
export interface RequestAuth {
  userId: string;
  /** The short session id ("my sessions" marks it as current). */
  sessionId: string;
  /** The bearer token itself: needed to sign this session out. */
  token: string;
}

/** What every handler finds on the context. */
export interface AppEnv {
  Variables: {
    system: System;
    /** Child of the system logger carrying this request's correlation id. */
    logger: Logger;
    requestId: string;
    /** Set by the session middleware for a valid cookie. */
    auth?: RequestAuth;
    /** A cookie was sent but its session is unknown, expired or revoked. */
    sessionInvalid?: boolean;
  };
}
