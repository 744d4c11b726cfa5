/**
 * What a title or a request is at: the availability badge on discover results and the status
 * badge on requests. Words first (never colour alone), semantic tokens only.
 */

import type { LucideProps } from 'lucide-solid';
import CircleCheck from 'lucide-solid/icons/circle-check';
import CircleDashed from 'lucide-solid/icons/circle-dashed';
import CircleX from 'lucide-solid/icons/circle-x';
import Clock from 'lucide-solid/icons/clock';
import LoaderCircle from 'lucide-solid/icons/loader-circle';
import type { JSX } from 'solid-js';
import { type Badge, STATUS_LABELS } from './api.ts';

type Tone = 'ok' | 'warn' | 'bad' | 'accent' | 'muted';

const toneClass: Record<Tone, string> = {
  ok: 'bg-ok-soft text-ok',
  warn: 'bg-warn-soft text-warn',
  bad: 'bg-bad-soft text-bad',
  accent: 'bg-accent-soft text-fg',
  muted: 'bg-raised text-muted',
};

function Pill(props: {
  tone: Tone;
  icon: (p: LucideProps) => JSX.Element;
  children: JSX.Element;
  testid?: string;
}) {
  return (
    <span
      class={`inline-flex max-w-full items-center gap-1 rounded-full px-2 py-0.5 text-xs font-semibold ${toneClass[props.tone]}`}
      data-testid={props.testid}
    >
      <props.icon size={12} aria-hidden="true" class="shrink-0" />
      <span class="truncate">{props.children}</span>
    </span>
  );
}

/** "Requested by Frank, Fiona" or "Requested" */
const byWhom = (prefix: string, names: string[]) =>
  names.length > 0 ? `${prefix} by ${names.join(', ')}` : prefix;

export function badgeText(badge: Badge): string {
  switch (badge.kind) {
    case 'available':
      return 'Available';
    case 'partially_available':
      return 'Partially available';
    case 'requested':
      return badge.myRequestId ? 'Requested by you' : byWhom('Requested', badge.requestedBy);
    case 'processing':
      return badge.myRequestId ? 'Processing (your request)' : byWhom('Processing', badge.requestedBy);
    default:
      return 'Not available';
  }
}

export function AvailabilityBadge(props: { badge: Badge }) {
  const kind = () => props.badge.kind;
  const tone = (): Tone =>
    kind() === 'available'
      ? 'ok'
      : kind() === 'partially_available'
        ? 'warn'
        : kind() === 'requested' || kind() === 'processing'
          ? 'accent'
          : 'muted';
  const icon = () =>
    kind() === 'available'
      ? CircleCheck
      : kind() === 'partially_available'
        ? CircleDashed
        : kind() === 'processing'
          ? LoaderCircle
          : kind() === 'requested'
            ? Clock
            : CircleDashed;
  return (
    <Pill tone={tone()} icon={icon()} testid="availability">
      {badgeText(props.badge)}
    </Pill>
  );
}

const statusTone: Record<string, Tone> = {
  pending: 'accent',
  approved: 'accent',
  processing: 'accent',
  partially_available: 'warn',
  available: 'ok',
  declined: 'bad',
  failed: 'bad',
  cancelled: 'muted',
};

const statusIcon: Record<string, (p: LucideProps) => JSX.Element> = {
  pending: Clock,
  approved: CircleCheck,
  processing: LoaderCircle,
  partially_available: CircleDashed,
  available: CircleCheck,
  declined: CircleX,
  failed: CircleX,
  cancelled: CircleX,
};

export const statusLabel = (status: string) => STATUS_LABELS[status] ?? status;

export function StatusBadge(props: { status: string }) {
  return (
    <Pill
      tone={statusTone[props.status] ?? 'muted'}
      icon={statusIcon[props.status] ?? CircleDashed}
      testid="request-status"
    >
      {statusLabel(props.status)}
    </Pill>
  );
}
