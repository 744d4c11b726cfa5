/**
 * Uptime Kuma's state as its public endpoints see it: monitors, heartbeats, uptime, status pages,
 * and the webhook notification sent on important beats. Rules follow louislam/uptime-kuma 2.5.3
 * (`model/monitor.js`, `routers/api-router.js`, `model/heartbeat.js`) and tag 1.23.17 where the
 * versions differ; shapes follow the captures in /work/shared/fixtures/uptime-kuma/.
 */

export const DOWN = 0;
export const UP = 1;
export const PENDING = 2;
export const MAINTENANCE = 3;
export type StatusCode = 0 | 1 | 2 | 3;
export type StatusName = 'UP' | 'DOWN' | 'PENDING' | 'MAINTENANCE';

const STATUS_BY_NAME: Record<StatusName, StatusCode> = { DOWN, UP, PENDING, MAINTENANCE };

export function toStatus(s: StatusName | StatusCode | Lowercase<StatusName>): StatusCode {
  if (typeof s === 'number') return s;
  return STATUS_BY_NAME[s.toUpperCase() as StatusName];
}

export type KumaVersion = '2' | '1.23';

export interface MonitorTag {
  name: string;
  value?: string;
  color?: string;
}

export interface MonitorSeed {
  id?: number;
  name: string;
  /** `http`, `push`, `keyword`, `ping`, `port`, `dns`, `docker`, … (free text, as in Kuma). */
  type?: string;
  url?: string | null;
  hostname?: string | null;
  port?: number | null;
  status?: StatusName | StatusCode;
  /** Response time of the next beats in ms; `null` for none. DOWN beats never carry one. */
  ping?: number | null;
  /** Push monitors: the token of `/api/push/:token`. */
  pushToken?: string;
  tags?: MonitorTag[];
  active?: boolean;
  interval?: number;
  description?: string | null;
  /** Whether the webhook notification is attached to this monitor (default true). */
  notify?: boolean;
  /** Beats to generate at start, oldest first, `interval` seconds apart (default 5; push: 0). */
  history?: number;
  /** The beat message (`200 - OK`, `Request failed with status code 503`, …). */
  msg?: string;
}

export interface Monitor {
  id: number;
  name: string;
  type: string;
  url: string | null;
  hostname: string | null;
  port: number | null;
  status: StatusCode;
  ping: number | null;
  pushToken: string | null;
  tags: MonitorTag[];
  active: boolean;
  interval: number;
  description: string | null;
  notify: boolean;
  msg: string;
  /** Set once the monitor beat in this process: Prometheus series exist only from then on. */
  promSeen: boolean;
}

export interface Beat {
  monitorId: number;
  status: StatusCode;
  /** UTC `YYYY-MM-DD HH:mm:ss.SSS`. */
  time: string;
  ms: number;
  msg: string;
  ping: number | null;
  important: boolean;
  retries: number;
  response?: string;
}

export interface Incident {
  id: number;
  style: string;
  title: string;
  content: string;
  pin: boolean;
  active: boolean;
  createdDate: string;
  lastUpdatedDate: string | null;
}

export interface StatusPageSeed {
  slug: string;
  title: string;
  description?: string | null;
  footerText?: string | null;
  monitorIds?: number[];
  /** Several public groups; `monitorIds` makes one group named "Services" when absent. */
  groups?: { name: string; monitorIds: number[]; sendUrl?: boolean }[];
  showTags?: boolean;
  published?: boolean;
  incident?: { title: string; content: string; style?: string };
  /** Manual maintenances shown on this page (monitors listed go to MAINTENANCE). */
  maintenance?: MaintenanceSeed[];
}

export interface MaintenanceSeed {
  title: string;
  description?: string;
  monitorIds?: number[];
}

export interface Maintenance {
  id: number;
  title: string;
  description: string;
  monitorIds: number[];
}

export interface StatusPage {
  id: number;
  slug: string;
  title: string;
  description: string | null;
  footerText: string | null;
  showTags: boolean;
  published: boolean;
  groups: { id: number; name: string; weight: number; monitorIds: number[]; sendUrl: boolean }[];
  incidents: Incident[];
  maintenanceIds: number[];
}

/** UTC `YYYY-MM-DD HH:mm:ss.SSS`, Kuma's `R.isoDateTimeMillis(dayjs.utc())`. */
export function kumaTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

export interface WebhookDelivery {
  url: string;
  contentType: 'json' | 'form-data';
  headers: Record<string, string>;
  body: { heartbeat: Record<string, unknown> | null; monitor: Record<string, unknown> | null; msg: string };
  status?: number;
  error?: string;
}

export class KumaState {
  readonly version: KumaVersion;
  readonly monitors = new Map<number, Monitor>();
  readonly beats = new Map<number, Beat[]>();
  readonly pages = new Map<string, StatusPage>();
  readonly maintenances = new Map<number, Maintenance>();
  readonly #now: () => number;
  #nextMonitor = 1;
  #nextPage = 1;
  #nextGroup = 1;
  #nextIncident = 1;
  #nextMaintenance = 1;
  /** Called when a beat is important (a status change): the status-page cache is dropped then. */
  onImportant: () => void = () => {};
  /** Called for beats Kuma would notify about. */
  onNotify: (monitor: Monitor, beat: Beat) => void = () => {};

  constructor(version: KumaVersion, now: () => number) {
    this.version = version;
    this.#now = now;
  }

  now(): number {
    return this.#now();
  }

  /** Beats kept per monitor by the public heartbeat list (100 in 2.x, 50 in 1.23). */
  get listLimit(): number {
    return this.version === '2' ? 100 : 50;
  }

  addMonitor(seed: MonitorSeed): Monitor {
    const id = seed.id ?? this.#nextMonitor;
    if (this.monitors.has(id)) throw new Error(`monitor ${id} already exists`);
    this.#nextMonitor = Math.max(this.#nextMonitor, id + 1);
    const type = seed.type ?? 'http';
    const status = toStatus(seed.status ?? 'UP');
    const m: Monitor = {
      id,
      name: seed.name,
      type,
      // A push monitor keeps the UI default `https://` (see metrics.txt).
      url: seed.url !== undefined ? seed.url : type === 'push' ? 'https://' : `http://127.0.0.1/${id}`,
      hostname: seed.hostname ?? null,
      port: seed.port ?? null,
      status,
      ping: seed.ping !== undefined ? seed.ping : 42,
      pushToken: seed.pushToken ?? (type === 'push' ? `push${id}token` : null),
      tags: seed.tags ?? [],
      active: seed.active ?? true,
      interval: seed.interval ?? (type === 'push' ? 60 : 20),
      description: seed.description ?? null,
      notify: seed.notify ?? true,
      msg: seed.msg ?? defaultMsg(type, status),
      promSeen: false,
    };
    this.monitors.set(id, m);
    this.beats.set(id, []);
    const history = seed.history ?? (type === 'push' ? 0 : 5);
    const now = this.#now();
    for (let i = history; i > 0; i--) this.#record(m, m.status, now - i * m.interval * 1000, false);
    return m;
  }

  addStatusPage(seed: StatusPageSeed): StatusPage {
    const slug = seed.slug.toLowerCase();
    const groups = seed.groups ?? [{ name: 'Services', monitorIds: seed.monitorIds ?? [] }];
    const page: StatusPage = {
      id: this.#nextPage++,
      slug,
      title: seed.title,
      description: seed.description ?? null,
      footerText: seed.footerText ?? null,
      showTags: seed.showTags ?? false,
      published: seed.published ?? true,
      groups: groups.map((g, i) => ({
        id: this.#nextGroup++,
        name: g.name,
        weight: i + 1,
        monitorIds: g.monitorIds,
        sendUrl: g.sendUrl ?? false,
      })),
      incidents: [],
      maintenanceIds: [],
    };
    this.pages.set(slug, page);
    if (seed.incident) this.postIncident(slug, seed.incident);
    for (const m of seed.maintenance ?? []) this.addMaintenance(slug, m);
    return page;
  }

  /** A `manual` maintenance, active now, linked to a status page; its monitors beat MAINTENANCE. */
  addMaintenance(slug: string, seed: MaintenanceSeed): Maintenance {
    const page = this.pages.get(slug.toLowerCase());
    if (!page) throw new Error(`no status page ${slug}`);
    const m: Maintenance = {
      id: this.#nextMaintenance++,
      title: seed.title,
      description: seed.description ?? '',
      monitorIds: seed.monitorIds ?? [],
    };
    this.maintenances.set(m.id, m);
    page.maintenanceIds.push(m.id);
    for (const id of m.monitorIds) if (this.monitors.has(id)) this.beat(id, { status: MAINTENANCE });
    // Linking a maintenance to a page clears apicache in Kuma.
    this.onImportant();
    return m;
  }

  /** Ends a maintenance: its monitors beat UP again. */
  endMaintenance(id: number): void {
    const m = this.maintenances.get(id);
    if (!m) throw new Error(`no maintenance ${id}`);
    this.maintenances.delete(id);
    for (const page of this.pages.values()) page.maintenanceIds = page.maintenanceIds.filter((x) => x !== id);
    for (const monitorId of m.monitorIds) {
      if (this.monitors.get(monitorId)?.status === MAINTENANCE) this.beat(monitorId, { status: UP });
    }
    this.onImportant();
  }

  postIncident(slug: string, incident: { title: string; content: string; style?: string }): Incident {
    const page = this.pages.get(slug.toLowerCase());
    if (!page) throw new Error(`no status page ${slug}`);
    // Posting replaces the pinned incident, like Kuma's `postIncident` (one pinned per page).
    for (const i of page.incidents) i.pin = false;
    const created: Incident = {
      id: this.#nextIncident++,
      style: incident.style ?? 'primary',
      title: incident.title,
      content: incident.content,
      pin: true,
      active: true,
      createdDate: kumaTime(this.#now()).slice(0, 19),
      lastUpdatedDate: null,
    };
    page.incidents.push(created);
    return created;
  }

  /** One check result, with Kuma's importance and notification rules. */
  beat(
    monitorId: number,
    opts: { status?: StatusCode; msg?: string; ping?: number | null; response?: string } = {},
  ): Beat {
    const m = this.monitors.get(monitorId);
    if (!m) throw new Error(`no monitor ${monitorId}`);
    const status = opts.status ?? m.status;
    if (opts.msg !== undefined) m.msg = opts.msg;
    else if (status !== m.status) m.msg = defaultMsg(m.type, status);
    m.status = status;
    const beat = this.#record(m, status, this.#now(), true, opts);
    return beat;
  }

  #record(
    m: Monitor,
    status: StatusCode,
    ms: number,
    live: boolean,
    opts: { msg?: string; ping?: number | null; response?: string } = {},
  ): Beat {
    const list = this.beats.get(m.id) ?? [];
    const previous = list[list.length - 1];
    const isFirstBeat = previous === undefined;
    // Failed checks have no response time; pushes carry what was pushed.
    const ping = opts.ping !== undefined ? opts.ping : status === DOWN ? null : m.ping;
    const beat: Beat = {
      monitorId: m.id,
      status,
      time: kumaTime(ms),
      ms,
      msg: opts.msg ?? m.msg,
      ping,
      important: isImportantBeat(isFirstBeat, previous?.status, status),
      retries: status === DOWN ? (previous?.status === DOWN ? previous.retries + 1 : 1) : 0,
    };
    if (status === DOWN) beat.response = opts.response ?? m.msg;
    list.push(beat);
    // Kuma keeps every beat in SQLite; the simulator keeps enough for 24 h and the public list.
    if (list.length > 2000) list.splice(0, list.length - 2000);
    this.beats.set(m.id, list);
    m.promSeen = true;
    if (beat.important) this.onImportant();
    if (live && isImportantForNotification(isFirstBeat, previous?.status, status)) {
      // `sendNotification`: never for a first beat that is UP.
      if (!isFirstBeat || status === DOWN) this.onNotify(m, beat);
    }
    return beat;
  }

  /** 24 h uptime ratio from beats (UP and PENDING count as up; MAINTENANCE is left out). */
  uptime(monitorId: number, windowMs = 86_400_000): number {
    const since = this.#now() - windowMs;
    let up = 0;
    let down = 0;
    for (const b of this.beats.get(monitorId) ?? []) {
      if (b.ms < since) continue;
      if (b.status === UP || b.status === PENDING) up++;
      else if (b.status === DOWN) down++;
    }
    return up + down === 0 ? 0 : up / (up + down);
  }

  /** Average ping (ms) of the window's beats that had one; 0 when none. */
  avgPing(monitorId: number, windowMs = 86_400_000): number {
    const since = this.#now() - windowMs;
    let sum = 0;
    let n = 0;
    for (const b of this.beats.get(monitorId) ?? []) {
      if (b.ms >= since && typeof b.ping === 'number') {
        sum += b.ping;
        n++;
      }
    }
    return n === 0 ? 0 : sum / n;
  }

  lastDownTime(monitorId: number): string | undefined {
    const list = this.beats.get(monitorId) ?? [];
    for (let i = list.length - 1; i >= 0; i--) {
      const b = list[i];
      if (b && b.status === DOWN && b.important) return b.time;
    }
    return undefined;
  }
}

function defaultMsg(type: string, status: StatusCode): string {
  if (type === 'push') return status === DOWN ? 'No heartbeat in the time window' : 'OK';
  if (status === DOWN) return 'Request failed with status code 503';
  if (status === MAINTENANCE) return 'Monitor under maintenance';
  if (status === PENDING) return 'Pending';
  return '200 - OK';
}

/** `Monitor.isImportantBeat`: a first beat or a status change (MAINTENANCE transitions included). */
export function isImportantBeat(
  isFirstBeat: boolean,
  previous: number | undefined,
  current: number,
): boolean {
  return (
    isFirstBeat ||
    (previous === DOWN && current === MAINTENANCE) ||
    (previous === UP && current === MAINTENANCE) ||
    (previous === MAINTENANCE && current === DOWN) ||
    (previous === MAINTENANCE && current === UP) ||
    (previous === UP && current === DOWN) ||
    (previous === DOWN && current === UP) ||
    (previous === PENDING && current === DOWN)
  );
}

/** `Monitor.isImportantForNotification`. */
export function isImportantForNotification(
  isFirstBeat: boolean,
  previous: number | undefined,
  current: number,
): boolean {
  return (
    isFirstBeat ||
    (previous === MAINTENANCE && current === DOWN) ||
    (previous === UP && current === DOWN) ||
    (previous === DOWN && current === UP) ||
    (previous === PENDING && current === DOWN)
  );
}
