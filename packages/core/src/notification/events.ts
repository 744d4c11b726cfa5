/** The events MediaNest tells people about, and who hears about each by default. */
import { z } from 'zod';

export const EVENTS = [
  'request.approved',
  'request.declined',
  'request.available',
  'request.failed',
  'request.new',
  'service.down',
  'service.up',
  'download.finished',
  'download.failed',
] as const;
export const EventType = z.enum(EVENTS);
export type EventType = z.infer<typeof EventType>;

/** Words for preference screens and channel messages. */
export const EVENT_LABELS: Record<EventType, string> = {
  'request.approved': 'Request approved',
  'request.declined': 'Request declined',
  'request.available': 'Request available',
  'request.failed': 'Request failed',
  'request.new': 'New request (admins)',
  'service.down': 'Service down',
  'service.up': 'Service back up',
  'download.finished': 'Download finished',
  'download.failed': 'Download failed',
};

/** ntfy tags (emoji short codes) and Discord embed colours per event. */
export const EVENT_STYLE: Record<EventType, { tags: string[]; color: number }> = {
  'request.approved': { tags: ['thumbsup'], color: 0x3b82f6 },
  'request.declined': { tags: ['no_entry'], color: 0xef4444 },
  'request.available': { tags: ['white_check_mark', 'tv'], color: 0x22c55e },
  'request.failed': { tags: ['warning'], color: 0xf97316 },
  'request.new': { tags: ['inbox_tray'], color: 0x8b5cf6 },
  'service.down': { tags: ['rotating_light'], color: 0xdc2626 },
  'service.up': { tags: ['green_circle'], color: 0x16a34a },
  'download.finished': { tags: ['arrow_down'], color: 0x0ea5e9 },
  'download.failed': { tags: ['x'], color: 0xb91c1c },
};
