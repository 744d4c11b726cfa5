/**
 * The one WebSocket to `/ws` that every live feature shares. The shell runs it only for a signed-in
 * member with a household (every socket needs a single-use ticket for one); otherwise it stays
 * `idle` and opens nothing. While running it keeps itself connected
 * (exponential backoff with jitter, immediate retry when the browser comes back online or the tab
 * becomes visible), pings every 25 s so idle proxies keep it open and a silent half-open socket is
 * noticed, and fans incoming `{ type, … }` messages out to subscribers by type.
 */
import { type Accessor, createSignal } from 'solid-js';

/**
 * - `idle`: not started (or stopped): no connection is wanted, e.g. nobody is signed in
 * - `connecting`: first attempt, nothing received yet
 * - `live`: open and answering
 * - `reconnecting`: the connection dropped; a retry is scheduled (see `nextRetryAt`)
 * - `offline`: the browser reports no network; retries resume when it returns
 */
export type WsStatus = 'idle' | 'connecting' | 'live' | 'reconnecting' | 'offline';

export interface WsMessage {
  type: string;
  [key: string]: unknown;
}

export type WsHandler<T extends WsMessage = WsMessage> = (message: T) => void;

/**
 * Where to connect. A function is called before every attempt, so it can fetch a fresh single-use
 * ticket (AWS: `wss://…?ticket=…` on the API Gateway WebSocket API) or pick a different host.
 */
export type WsUrl = string | (() => string | Promise<string>);

export interface WsClientOptions {
  /** Defaults to `/ws` on the page's own host (the self-hosted runtime). */
  url?: WsUrl;
  pingIntervalMs?: number;
  /** How long a ping may go unanswered before the socket is treated as dead and replaced. */
  pongTimeoutMs?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

export interface WsClient {
  readonly status: Accessor<WsStatus>;
  /** Epoch ms of the next reconnection attempt while `reconnecting`, else null. */
  readonly nextRetryAt: Accessor<number | null>;
  start(): void;
  stop(): void;
  /** Skips the remaining backoff. */
  retryNow(): void;
  /** Changes where to connect (e.g. after sign-in) and reconnects if running. */
  setUrl(url: WsUrl): void;
  /** Sends when live; returns false (and drops the message) otherwise. */
  send(message: WsMessage): boolean;
  /** `type` `'*'` receives every message. Returns the unsubscribe function. */
  subscribe<T extends WsMessage = WsMessage>(type: string, handler: WsHandler<T>): () => void;
  /** Runs on every successful (re)connection, e.g. to re-send a subscription. Returns the unsubscribe function. */
  onOpen(handler: () => void): () => void;
}

export function defaultUrl(): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/ws`;
}

export function createWsClient(options: WsClientOptions = {}): WsClient {
  const pingIntervalMs = options.pingIntervalMs ?? 25_000;
  const pongTimeoutMs = options.pongTimeoutMs ?? 10_000;
  const initialBackoffMs = options.initialBackoffMs ?? 500;
  const maxBackoffMs = options.maxBackoffMs ?? 30_000;

  const [status, setStatus] = createSignal<WsStatus>('idle');
  const [nextRetryAt, setNextRetryAt] = createSignal<number | null>(null);
  const handlers = new Map<string, Set<WsHandler>>();
  const openHandlers = new Set<() => void>();

  let socket: WebSocket | null = null;
  let target: WsUrl = options.url ?? defaultUrl;
  /** Bumped by every attempt, so a slow URL lookup cannot open a socket for a superseded attempt. */
  let generation = 0;
  let resolving = false;
  let running = false;
  let attempt = 0;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let pingTimer: ReturnType<typeof setInterval> | undefined;
  let pongTimer: ReturnType<typeof setTimeout> | undefined;

  const clearTimers = () => {
    clearTimeout(retryTimer);
    clearInterval(pingTimer);
    clearTimeout(pongTimer);
    retryTimer = pingTimer = pongTimer = undefined;
  };

  const dispatch = (message: WsMessage) => {
    for (const key of [message.type, '*']) {
      for (const handler of handlers.get(key) ?? []) {
        try {
          handler(message);
        } catch (err) {
          // One broken subscriber must not starve the others or kill the socket.
          queueMicrotask(() => {
            throw err;
          });
        }
      }
    }
  };

  const ping = () => {
    if (socket?.readyState !== WebSocket.OPEN) return;
    socket.send(JSON.stringify({ type: 'ping' }));
    // An earlier ping still unanswered keeps its deadline: re-arming it on every ping would let a
    // dead socket live forever whenever pings come faster than the timeout.
    pongTimer ??= setTimeout(abandon, pongTimeoutMs);
  };

  // A half-open socket may never deliver its close event, so give up on it without waiting for one.
  function abandon() {
    const ws = socket;
    socket = null;
    ws?.close(4000, 'pong timeout');
    scheduleRetry();
  }

  const scheduleRetry = () => {
    clearTimers();
    if (!running) return;
    if (typeof navigator !== 'undefined' && navigator.onLine === false) {
      setStatus('offline');
      setNextRetryAt(null);
      return;
    }
    const ceiling = Math.min(maxBackoffMs, initialBackoffMs * 2 ** attempt);
    // Full jitter keeps a server restart from being met by every tab at the same instant.
    const delay = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
    attempt += 1;
    setStatus('reconnecting');
    setNextRetryAt(Date.now() + delay);
    retryTimer = setTimeout(() => void connect(), delay);
  };

  async function connect() {
    clearTimers();
    setNextRetryAt(null);
    if (!running) return;
    const mine = ++generation;
    let url: string;
    resolving = true;
    try {
      url = typeof target === 'function' ? await target() : target;
    } catch {
      // e.g. the ticket request failed: same as a failed connection.
      if (mine === generation) scheduleRetry();
      return;
    } finally {
      if (mine === generation) resolving = false;
    }
    if (!running || mine !== generation) return;
    let ws: WebSocket;
    try {
      ws = new WebSocket(url);
    } catch {
      scheduleRetry();
      return;
    }
    socket = ws;
    ws.onopen = () => {
      if (socket !== ws) return;
      attempt = 0;
      setStatus('live');
      ping();
      pingTimer = setInterval(ping, pingIntervalMs);
      for (const handler of openHandlers) handler();
    };
    ws.onmessage = (event) => {
      if (socket !== ws) return;
      // Any traffic proves the socket is alive, not only a pong.
      clearTimeout(pongTimer);
      pongTimer = undefined;
      if (typeof event.data !== 'string') return;
      let message: unknown;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      if (message && typeof message === 'object' && typeof (message as WsMessage).type === 'string') {
        dispatch(message as WsMessage);
      }
    };
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = null;
      scheduleRetry();
    };
    // An error is always followed by close, which does the retrying.
    ws.onerror = () => {};
  }

  const retryNow = () => {
    if (!running || status() === 'live' || resolving || socket?.readyState === WebSocket.CONNECTING) return;
    attempt = 0;
    void connect();
  };

  const onOnline = () => retryNow();
  const onOffline = () => {
    if (status() !== 'live') {
      clearTimers();
      setStatus('offline');
      setNextRetryAt(null);
    }
  };
  const onVisible = () => {
    if (document.visibilityState === 'visible') retryNow();
  };

  return {
    status,
    nextRetryAt,
    start() {
      if (running) return;
      running = true;
      attempt = 0;
      setStatus('connecting');
      window.addEventListener('online', onOnline);
      window.addEventListener('offline', onOffline);
      document.addEventListener('visibilitychange', onVisible);
      void connect();
    },
    stop() {
      running = false;
      generation += 1;
      resolving = false;
      clearTimers();
      window.removeEventListener('online', onOnline);
      window.removeEventListener('offline', onOffline);
      document.removeEventListener('visibilitychange', onVisible);
      const ws = socket;
      socket = null;
      ws?.close(1000, 'client stopped');
      setStatus('idle');
      setNextRetryAt(null);
    },
    retryNow,
    setUrl(url) {
      target = url;
      if (!running) return;
      const old = socket;
      socket = null;
      old?.close(1000, 'reconnecting elsewhere');
      attempt = 0;
      setStatus('connecting');
      void connect();
    },
    send(message) {
      if (socket?.readyState !== WebSocket.OPEN) return false;
      socket.send(JSON.stringify(message));
      return true;
    },
    subscribe(type, handler) {
      let set = handlers.get(type);
      if (!set) {
        set = new Set();
        handlers.set(type, set);
      }
      set.add(handler as WsHandler);
      return () => {
        set.delete(handler as WsHandler);
      };
    },
    onOpen(handler) {
      openHandlers.add(handler);
      return () => {
        openHandlers.delete(handler);
      };
    },
  };
}

/** The app's shared connection; the shell starts it once. */
export const realtime: WsClient = createWsClient();

export const subscribe: WsClient['subscribe'] = (type, handler) => realtime.subscribe(type, handler);
