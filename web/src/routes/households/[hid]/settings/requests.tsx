import Copy from 'lucide-solid/icons/copy';
import Eye from 'lucide-solid/icons/eye';
import EyeOff from 'lucide-solid/icons/eye-off';
import LoaderCircle from 'lucide-solid/icons/loader-circle';
import Lock from 'lucide-solid/icons/lock';
import RotateCw from 'lucide-solid/icons/rotate-cw';
import Trash from 'lucide-solid/icons/trash';
import { createSignal, For, Match, onCleanup, onMount, Show, Switch } from 'solid-js';
import { createConfirm } from '../../../../components/confirm-dialog.tsx';
import {
  getQuotaSettings,
  getWebhookSettings,
  type Limits,
  type QuotaSettings,
  rotateWebhookSecret,
  saveQuotaSettings,
  type WebhookSettings,
} from '../../../../components/requests/api.ts';
import { createMemberNames } from '../../../../components/requests/names.ts';
import { Button, EmptyState, ErrorState, Skeleton } from '../../../../components/states.tsx';
import { ApiError, describeError } from '../../../../lib/api.ts';
import { copyWithToast } from '../../../../lib/clipboard.ts';
import { useHousehold } from '../../../../lib/household-context.ts';
import { usePageTitle } from '../../../../lib/title.ts';
import { showToast } from '../../../../lib/toast.tsx';

type Load<T> = { state: 'loading' } | { state: 'ready'; value: T } | { state: 'error'; error: unknown };

const WINDOWS = [
  { id: 'day', label: 'Per day' },
  { id: 'week', label: 'Per week (resets Monday)' },
  { id: 'month', label: 'Per month' },
] as const;
type WindowId = (typeof WINDOWS)[number]['id'];

const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const inputClass = 'mt-1 w-full rounded-lg border border-line bg-canvas px-3 py-2 text-sm text-fg';

function zones(): string[] {
  try {
    return (Intl as unknown as { supportedValuesOf(k: string): string[] }).supportedValuesOf('timeZone');
  } catch {
    return ['UTC'];
  }
}

/** Three number fields, blank meaning "no limit". */
function LimitFields(props: { id: string; legend: string; value: Limits; onChange: (l: Limits) => void }) {
  const set = (w: WindowId, raw: string) => {
    const next: Limits = { ...props.value };
    const n = raw.trim() === '' ? undefined : Number(raw);
    if (n === undefined || !Number.isFinite(n)) delete next[w];
    else next[w] = Math.max(0, Math.floor(n));
    props.onChange(next);
  };
  return (
    <fieldset class="space-y-2">
      <legend class="text-sm font-semibold text-fg">{props.legend}</legend>
      <div class="grid gap-3 sm:grid-cols-3">
        <For each={WINDOWS}>
          {(w) => (
            <label class="block text-sm text-fg" for={`${props.id}-${w.id}`}>
              {w.label}
              <input
                id={`${props.id}-${w.id}`}
                type="number"
                min="0"
                max="100000"
                inputmode="numeric"
                placeholder="No limit"
                value={props.value[w.id] ?? ''}
                onInput={(e) => set(w.id, e.currentTarget.value)}
                class={inputClass}
              />
            </label>
          )}
        </For>
      </div>
    </fieldset>
  );
}

function CopyField(props: { label: string; value: string; secret?: boolean; testid: string }) {
  const [shown, setShown] = createSignal(!props.secret);
  const copy = () => copyWithToast(props.value, `${props.label} copied`);
  const id = `copy-${props.testid}`;
  return (
    <div>
      <label for={id} class="text-sm font-medium text-fg">
        {props.label}
      </label>
      <div class="mt-1 flex gap-2">
        <input
          id={id}
          readOnly
          type={shown() ? 'text' : 'password'}
          value={props.value}
          data-testid={props.testid}
          onFocus={(e) => e.currentTarget.select()}
          class="min-w-0 flex-1 rounded-lg border border-line bg-canvas px-3 py-2 font-mono text-sm text-fg"
        />
        <Show when={props.secret}>
          <Button
            variant="secondary"
            onClick={() => setShown(!shown())}
            aria-label={shown() ? `Hide ${props.label}` : `Show ${props.label}`}
          >
            <Show when={shown()} fallback={<Eye size={16} aria-hidden="true" />}>
              <EyeOff size={16} aria-hidden="true" />
            </Show>
          </Button>
        </Show>
        <Button variant="secondary" onClick={() => void copy()} aria-label={`Copy ${props.label}`}>
          <Copy size={16} aria-hidden="true" />
          <span class="hidden sm:inline">Copy</span>
        </Button>
      </div>
    </div>
  );
}

export default function RequestSettingsPage() {
  usePageTitle(() => 'Request settings');
  const hh = useHousehold();
  const confirm = createConfirm();
  const isAdmin = () => ['owner', 'admin'].includes(hh.detail().membership.role);
  const names = createMemberNames(hh.hid, () => hh.can('manage_members'));
  const [quota, setQuota] = createSignal<Load<QuotaSettings>>({ state: 'loading' });
  const [draft, setDraft] = createSignal<QuotaSettings | null>(null);
  const [saving, setSaving] = createSignal(false);
  const [quotaError, setQuotaError] = createSignal<string | null>(null);
  const [addWho, setAddWho] = createSignal('');
  const [hook, setHook] = createSignal<Load<WebhookSettings>>({ state: 'loading' });
  const controller = new AbortController();
  onCleanup(() => controller.abort());

  const readQuota = async () => {
    setQuota({ state: 'loading' });
    try {
      const value = await getQuotaSettings(hh.hid(), controller.signal);
      setQuota({ state: 'ready', value });
      setDraft(structuredClone(value));
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 'aborted')) setQuota({ state: 'error', error: err });
    }
  };
  const readHook = async () => {
    setHook({ state: 'loading' });
    try {
      setHook({ state: 'ready', value: await getWebhookSettings(hh.hid(), controller.signal) });
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 'aborted')) setHook({ state: 'error', error: err });
    }
  };
  onMount(() => {
    if (isAdmin()) void readQuota();
    if (hh.can('manage_integrations')) void readHook();
  });

  const update = (change: Partial<QuotaSettings>) => {
    const d = draft();
    if (d) setDraft({ ...d, ...change });
  };

  const save = async (e: Event) => {
    e.preventDefault();
    const d = draft();
    if (!d) return;
    setSaving(true);
    setQuotaError(null);
    try {
      const value = await saveQuotaSettings(hh.hid(), d);
      setQuota({ state: 'ready', value });
      setDraft(structuredClone(value));
      showToast({
        title: 'Quotas saved',
        description: 'Requests already counted stay counted.',
        tone: 'success',
      });
    } catch (err) {
      setQuotaError(describeError(err));
    } finally {
      setSaving(false);
    }
  };

  const askRotate = () =>
    confirm.ask({
      title: 'Replace the Authorization header?',
      body: (
        <p>
          The current value stops working at once: Overseerr's webhooks are refused until you paste the new
          value into Overseerr → Settings → Notifications → Webhook.
        </p>
      ),
      confirmLabel: 'Replace',
      danger: true,
      action: async () => {
        setHook({ state: 'ready', value: await rotateWebhookSecret(hh.hid()) });
        showToast({
          title: 'New Authorization header',
          description: 'Paste it into Overseerr now.',
          tone: 'success',
        });
      },
    });

  const overrides = () => Object.entries(draft()?.overrides ?? {});
  const available = () => names.members().filter((m) => !(m.id in (draft()?.overrides ?? {})));

  return (
    <div class="space-y-8">
      <section aria-labelledby="quota-title" class="space-y-4">
        <div>
          <h2 id="quota-title" class="text-xl font-semibold tracking-tight text-fg">
            Request quotas
          </h2>
          <p class="mt-1 text-sm text-muted">
            MediaNest counts requests on the server; members see "3 of 10 this week, resets Monday" before
            they ask, and a refusal names the limit. Leave a field blank for no limit. Overseerr's own quotas
            apply as well.
          </p>
        </div>
        <Show
          when={isAdmin()}
          fallback={<EmptyState icon={<Lock size={32} />} title="Only the owner and admins set quotas" />}
        >
          <Switch>
            <Match when={quota().state === 'loading'}>
              <div aria-busy="true">
                <span class="sr-only" role="status">
                  Loading quotas…
                </span>
                <Skeleton class="h-56" />
              </div>
            </Match>
            <Match when={quota().state === 'error' ? (quota() as { error: unknown }) : undefined}>
              {(f) => (
                <ErrorState
                  title="Could not load the quotas"
                  message={describeError(f().error)}
                  onRetry={() => void readQuota()}
                />
              )}
            </Match>
            <Match when={draft()}>
              {(d) => (
                <form
                  onSubmit={save}
                  class="space-y-6 rounded-2xl border border-line bg-surface p-4 sm:p-5"
                  data-testid="quota-form"
                >
                  <LimitFields
                    id="member"
                    legend="Each member"
                    value={d().member}
                    onChange={(member) => update({ member })}
                  />
                  <LimitFields
                    id="household"
                    legend="The whole household together"
                    value={d().household}
                    onChange={(household) => update({ household })}
                  />
                  <fieldset class="space-y-2">
                    <legend class="text-sm font-semibold text-fg">Exceptions for single members</legend>
                    <Show when={overrides().length === 0}>
                      <p class="text-sm text-muted">Everyone has the member limits above.</p>
                    </Show>
                    <For each={overrides()}>
                      {([userId, limits]) => (
                        <div class="rounded-xl border border-line p-3">
                          <div class="mb-2 flex items-center justify-between gap-2">
                            <p class="font-medium text-fg">{names.nameOf(userId)}</p>
                            <Button
                              variant="ghost"
                              class="!px-2 !py-1"
                              onClick={() => {
                                const next = { ...d().overrides };
                                delete next[userId];
                                update({ overrides: next });
                              }}
                            >
                              <Trash size={14} aria-hidden="true" />
                              Remove exception<span class="sr-only"> for {names.nameOf(userId)}</span>
                            </Button>
                          </div>
                          <LimitFields
                            id={`override-${userId}`}
                            legend={`Limits for ${names.nameOf(userId)}`}
                            value={limits}
                            onChange={(l) => update({ overrides: { ...d().overrides, [userId]: l } })}
                          />
                        </div>
                      )}
                    </For>
                    <Show when={available().length > 0}>
                      <div class="flex flex-wrap items-end gap-2">
                        <label class="block text-sm text-fg">
                          Member
                          <select
                            value={addWho()}
                            onChange={(e) => setAddWho(e.currentTarget.value)}
                            class={inputClass}
                          >
                            <option value="">Choose a member</option>
                            <For each={available()}>{(m) => <option value={m.id}>{m.name}</option>}</For>
                          </select>
                        </label>
                        <Button
                          variant="secondary"
                          disabled={!addWho()}
                          onClick={() => {
                            update({ overrides: { ...d().overrides, [addWho()]: {} } });
                            setAddWho('');
                          }}
                        >
                          Add exception
                        </Button>
                      </div>
                    </Show>
                  </fieldset>
                  <label class="block max-w-sm text-sm font-medium text-fg">
                    Time zone the windows follow
                    <select
                      value={d().timeZone}
                      onChange={(e) => update({ timeZone: e.currentTarget.value })}
                      class={inputClass}
                    >
                      <For each={zones().includes(d().timeZone) ? zones() : [d().timeZone, ...zones()]}>
                        {(z) => <option value={z}>{z}</option>}
                      </For>
                    </select>
                  </label>
                  <Show when={quotaError()}>
                    <p role="alert" class="rounded-lg bg-bad-soft p-3 text-sm text-fg">
                      {quotaError()}
                    </p>
                  </Show>
                  <Button type="submit" disabled={saving()}>
                    <Show when={saving()}>
                      <LoaderCircle size={16} class="animate-spin" aria-hidden="true" />
                    </Show>
                    Save quotas
                  </Button>
                </form>
              )}
            </Match>
          </Switch>
        </Show>
      </section>

      <section aria-labelledby="webhook-title" class="space-y-4">
        <div>
          <h2 id="webhook-title" class="text-xl font-semibold tracking-tight text-fg">
            Overseerr webhook
          </h2>
          <p class="mt-1 text-sm text-muted">
            So request changes made in Overseerr (approvals, availability) reach MediaNest at once. In
            Overseerr open Settings → Notifications → Webhook, turn it on, paste these two values, keep the
            default JSON payload, and tick the request notification types.
          </p>
        </div>
        <Show
          when={hh.can('manage_integrations')}
          fallback={
            <EmptyState
              icon={<Lock size={32} />}
              title="Only members who manage integrations see the webhook"
            />
          }
        >
          <Switch>
            <Match when={hook().state === 'loading'}>
              <div aria-busy="true">
                <span class="sr-only" role="status">
                  Loading the webhook settings…
                </span>
                <Skeleton class="h-40" />
              </div>
            </Match>
            <Match when={hook().state === 'error' ? (hook() as { error: unknown }) : undefined}>
              {(f) => (
                <ErrorState
                  title="Could not load the webhook settings"
                  message={describeError(f().error)}
                  onRetry={() => void readHook()}
                />
              )}
            </Match>
            <Match when={hook().state === 'ready' ? (hook() as { value: WebhookSettings }) : undefined}>
              {(h) => (
                <div
                  class="space-y-4 rounded-2xl border border-line bg-surface p-4 sm:p-5"
                  data-testid="webhook-settings"
                >
                  <CopyField label="Webhook URL" value={h().value.url} testid="webhook-url" />
                  <CopyField
                    label="Authorization header"
                    value={h().value.authorization}
                    secret
                    testid="webhook-authorization"
                  />
                  <p class="text-sm text-muted">
                    JSON payload: Overseerr's default template.{' '}
                    {h().value.lastReceivedAt
                      ? `Last webhook received ${when.format(h().value.lastReceivedAt as number)}.`
                      : 'No webhook received yet.'}
                  </p>
                  <Button variant="secondary" onClick={askRotate}>
                    <RotateCw size={16} aria-hidden="true" />
                    Replace the Authorization header
                  </Button>
                </div>
              )}
            </Match>
          </Switch>
        </Show>
      </section>
      <confirm.Dialog />
    </div>
  );
}
