/**
 * The browser half of Plex's PIN flow, shared by signing in and by linking Plex on the account
 * page: start a PIN on our server, show its code, open plex.tv's auth page, and poll our server
 * until the person approved there (or the PIN expired).
 */
import { createSignal, onCleanup } from 'solid-js';
import { ApiError, describeError } from './api.ts';
import { type PinEndpoints, pollPin, startPin, toDate } from './identity.ts';

export type PinFlowState =
  | { step: 'idle' }
  | { step: 'starting' }
  | {
      step: 'waiting';
      code: string;
      authUrl: string;
      /** The browser refused the popup: the page offers the auth URL as a link instead. */
      popupBlocked: boolean;
      expiresAt: Date | undefined;
    }
  | { step: 'expired' }
  | { step: 'error'; message: string; requestId: string | undefined }
  | { step: 'done' };

const DEFAULT_POLL_MS = 2_000;

/**
 * The page plex.tv forwards the popup to after approval. The app is served with
 * `Cross-Origin-Opener-Policy: same-origin`, so once the popup is on plex.tv this page loses its
 * handle on it and cannot close it; back on our origin the popup closes itself and tells us over
 * this channel to poll at once instead of waiting for the next tick.
 */
export const PLEX_DONE_PATH = '/sign-in/done';
export const PLEX_DONE_CHANNEL = 'medianest-plex-auth';
/** Transient failures (network blips) tolerated in a row before the flow gives up. */
const MAX_TRANSIENT_FAILURES = 5;

export interface PinFlow {
  state: () => PinFlowState;
  /** Call from the click handler itself: popups are only allowed during a user gesture. */
  start(): void;
  cancel(): void;
}

export function createPinFlow(endpoints: PinEndpoints, onApproved: () => void | Promise<void>): PinFlow {
  const [state, setState] = createSignal<PinFlowState>({ step: 'idle' });
  let run = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let popup: Window | null = null;
  let controller: AbortController | undefined;

  const stop = () => {
    run += 1;
    clearTimeout(timer);
    controller?.abort();
  };

  const closePopup = () => {
    try {
      if (popup && !popup.closed) popup.close();
    } catch {
      // A popup that navigated cross-origin may refuse; it is harmless to leave it open.
    }
    popup = null;
  };

  const fail = (err: unknown) => {
    closePopup();
    setState({
      step: 'error',
      message: describeError(err),
      requestId: err instanceof ApiError ? err.requestId : undefined,
    });
  };

  async function begin(mine: number) {
    let started: Awaited<ReturnType<typeof startPin>>;
    try {
      started = await startPin(endpoints, `${location.origin}${PLEX_DONE_PATH}`);
    } catch (err) {
      if (mine === run) fail(err);
      return;
    }
    if (mine !== run) return;
    let blocked = popup === null || popup.closed;
    if (!blocked) {
      try {
        popup!.location.href = started.authUrl;
      } catch {
        blocked = true;
      }
    }
    const expiresAt = toDate(started.expiresAt);
    setState({
      step: 'waiting',
      code: started.code,
      authUrl: started.authUrl,
      popupBlocked: blocked,
      expiresAt,
    });
    const interval = Math.max(500, started.pollIntervalMs ?? DEFAULT_POLL_MS);
    let failures = 0;
    let polling = false;

    const tick = async () => {
      if (mine !== run || polling) return;
      polling = true;
      clearTimeout(timer);
      controller = new AbortController();
      try {
        const answer = await pollPin(endpoints, started.state, controller.signal);
        if (mine !== run) return;
        failures = 0;
        if (answer.status === 'signed_in' || answer.status === 'linked' || answer.status === 'approved') {
          closePopup();
          setState({ step: 'done' });
          await onApproved();
          return;
        }
        if (answer.status === 'expired' || (expiresAt && expiresAt.getTime() <= Date.now())) {
          closePopup();
          setState({ step: 'expired' });
          return;
        }
      } catch (err) {
        if (mine !== run) return;
        if (err instanceof ApiError && (err.status === 410 || err.code === 'auth.pin_expired')) {
          closePopup();
          setState({ step: 'expired' });
          return;
        }
        const transient =
          err instanceof ApiError && (err.status === 0 || err.status === 429 || err.status >= 502);
        if (!transient || ++failures > MAX_TRANSIENT_FAILURES) {
          fail(err);
          return;
        }
      } finally {
        polling = false;
      }
      if (mine === run) timer = setTimeout(() => void tick(), interval);
    };
    timer = setTimeout(() => void tick(), interval);
    pollNow = () => void tick();
  }

  let pollNow = () => {};
  const channel =
    typeof BroadcastChannel === 'undefined' ? undefined : new BroadcastChannel(PLEX_DONE_CHANNEL);
  if (channel) channel.onmessage = () => pollNow();

  onCleanup(() => {
    stop();
    closePopup();
    channel?.close();
  });

  return {
    state,
    start() {
      stop();
      closePopup();
      // Opened before the network call so it counts as part of the click; pointed at plex.tv once
      // the server has created the PIN.
      popup = window.open('about:blank', 'medianest-plex-auth', 'popup,width=560,height=720');
      setState({ step: 'starting' });
      void begin(run);
    },
    cancel() {
      stop();
      closePopup();
      setState({ step: 'idle' });
    },
  };
}
