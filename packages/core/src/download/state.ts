/**
 * The download state machine. A video job walks queued → downloading → post-processing →
 * importing → done; a submission (the parent of one or more video jobs) walks queued → resolving
 * and then mirrors its children. Every change goes through `assertTransition`, and the store
 * write that applies it is conditional on the state it came from (see download.ts), so two
 * writers racing on one job cannot both win.
 */
import { z } from 'zod';
import { AppError } from '../error/index.ts';

export const STATES = [
  'queued',
  'resolving',
  'downloading',
  'post-processing',
  'importing',
  'done',
  'failed',
  'cancelled',
] as const;
export const State = z.enum(STATES);
export type State = z.infer<typeof State>;

export const TERMINAL: readonly State[] = ['done', 'failed', 'cancelled'];
/** States in which an agent holds a lease on the job. */
export const LEASED: readonly State[] = ['resolving', 'downloading', 'post-processing', 'importing'];

/**
 * Allowed edges. Back to `queued` from a leased state only happens when the lease is released
 * (the agent vanished and the lease expired, or the agent refused the offer); from `failed` and
 * `cancelled` it is a retry. `done` is final.
 */
export const TRANSITIONS: Readonly<Record<State, readonly State[]>> = {
  queued: ['resolving', 'downloading', 'failed', 'cancelled'],
  resolving: ['queued', 'downloading', 'done', 'failed', 'cancelled'],
  downloading: ['queued', 'post-processing', 'importing', 'done', 'failed', 'cancelled'],
  'post-processing': ['queued', 'importing', 'done', 'failed', 'cancelled'],
  importing: ['queued', 'done', 'failed', 'cancelled'],
  done: [],
  failed: ['queued'],
  cancelled: ['queued'],
};

export const canTransition = (from: State, to: State): boolean => TRANSITIONS[from].includes(to);

/** The states a job may be in for a move to `to` to be legal (the write's condition). */
export const sourcesOf = (to: State): State[] => STATES.filter((s) => canTransition(s, to));

export class IllegalTransitionError extends AppError {
  override name = 'IllegalTransitionError';
  constructor(from: State, to: State) {
    super('conflict', 'download.illegal_transition', `A download that is ${from} cannot become ${to}`, {
      details: { from, to },
    });
  }
}

export function assertTransition(from: State, to: State): void {
  if (!canTransition(from, to)) throw new IllegalTransitionError(from, to);
}

export const isTerminal = (s: State): boolean => TERMINAL.includes(s);
