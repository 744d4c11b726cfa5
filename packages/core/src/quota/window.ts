/**
 * Quota windows in the household's time zone: a day starts at local midnight, a week on Monday
 * 00:00, a month on the 1st. Counters are keyed by the window's local start date, so every
 * process agrees on which counter a request lands in without coordinating.
 */
import { AppError } from '../error/index.ts';

export const WINDOWS = ['day', 'week', 'month'] as const;
export type Window = (typeof WINDOWS)[number];

export interface WindowSpan {
  window: Window;
  /** Stable id used in keys: `day-2026-11-26`, `week-2026-11-23`, `month-2026-11`. */
  id: string;
  start: number;
  /** Exclusive: the instant the next window starts (when the counter resets). */
  end: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether the runtime knows the IANA zone name. */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function localParts(instant: number, timeZone: string): LocalParts {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(instant))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return {
    year: parts.year as number,
    month: parts.month as number,
    day: parts.day as number,
    hour: parts.hour as number,
    minute: parts.minute as number,
    second: parts.second as number,
  };
}

/** Milliseconds the zone is ahead of UTC at `instant`. */
function offsetAt(instant: number, timeZone: string): number {
  const p = localParts(instant, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/** The instant of local midnight on a calendar date (day may overflow; Date.UTC normalises it). */
export function localMidnight(year: number, month: number, day: number, timeZone: string): number {
  const naive = Date.UTC(year, month - 1, day);
  // Two passes settle a date whose offset differs from the naive guess's (DST change that day).
  let guess = naive - offsetAt(naive, timeZone);
  guess = naive - offsetAt(guess, timeZone);
  return guess;
}

const pad = (n: number) => String(n).padStart(2, '0');

export function spanOf(window: Window, instant: number, timeZone = 'UTC'): WindowSpan {
  if (!isTimeZone(timeZone)) {
    throw new AppError('invalid', 'quota.bad_time_zone', `Unknown time zone "${timeZone}"`);
  }
  const p = localParts(instant, timeZone);
  if (window === 'day') {
    return {
      window,
      id: `day-${p.year}-${pad(p.month)}-${pad(p.day)}`,
      start: localMidnight(p.year, p.month, p.day, timeZone),
      end: localMidnight(p.year, p.month, p.day + 1, timeZone),
    };
  }
  if (window === 'week') {
    // getUTCDay of the local calendar date: 0 = Sunday; Monday starts the week.
    const dow = new Date(Date.UTC(p.year, p.month - 1, p.day)).getUTCDay();
    const back = (dow + 6) % 7;
    const monday = new Date(Date.UTC(p.year, p.month - 1, p.day - back));
    const y = monday.getUTCFullYear();
    const m = monday.getUTCMonth() + 1;
    const d = monday.getUTCDate();
    return {
      window,
      id: `week-${y}-${pad(m)}-${pad(d)}`,
      start: localMidnight(y, m, d, timeZone),
      end: localMidnight(y, m, d + 7, timeZone),
    };
  }
  return {
    window,
    id: `month-${p.year}-${pad(p.month)}`,
    start: localMidnight(p.year, p.month, 1, timeZone),
    end: localMidnight(p.year, p.month + 1, 1, timeZone),
  };
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const PHRASE: Record<Window, string> = { day: 'today', week: 'this week', month: 'this month' };

/** "this week" */
export const windowPhrase = (w: Window): string => PHRASE[w];

/** When the counter resets, in words a member reads: "tomorrow", "Monday", "on 1 December". */
export function resetPhrase(span: WindowSpan, timeZone = 'UTC'): string {
  if (span.window === 'day') return 'tomorrow';
  const p = localParts(span.end, timeZone);
  if (span.window === 'week')
    return WEEKDAYS[new Date(Date.UTC(p.year, p.month - 1, p.day)).getUTCDay()] as string;
  const month = new Intl.DateTimeFormat('en-GB', { month: 'long', timeZone: 'UTC' }).format(
    new Date(Date.UTC(p.year, p.month - 1, 1)),
  );
  return `on ${p.day} ${month}`;
}
