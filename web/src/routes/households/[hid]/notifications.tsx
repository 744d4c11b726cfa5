import { A } from '@solidjs/router';
import CircleAlert from 'lucide-solid/icons/circle-alert';
import CircleCheck from 'lucide-solid/icons/circle-check';
import LoaderCircle from 'lucide-solid/icons/loader-circle';
import Plus from 'lucide-solid/icons/plus';
import Radio from 'lucide-solid/icons/radio';
import Send from 'lucide-solid/icons/send';
import { createSignal, For, Match, onCleanup, onMount, Show, Switch } from 'solid-js';
import { createConfirm } from '../../../components/confirm-dialog.tsx';
import {
  CHANNEL_KINDS,
  type Channel,
  type Choice,
  createChannel,
  EVENTS,
  getChannels,
  getPreferences,
  removeChannel,
  testChannel,
  updateChannel,
  updatePreferences,
} from '../../../components/notifications/api.ts';
import { Button, EmptyState, ErrorState, Skeleton } from '../../../components/states.tsx';
import { ApiError, describeError } from '../../../lib/api.ts';
import { useHousehold } from '../../../lib/household-context.ts';
import { usePageTitle } from '../../../lib/title.ts';
import { showToast } from '../../../lib/toast.tsx';

type Load<T> = { state: 'loading' } | { state: 'ready'; value: T } | { state: 'error'; error: unknown };

const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const kindLabel = (k: string) => CHANNEL_KINDS.find((c) => c.id === k)?.label ?? k;
const inputClass = 'mt-1 w-full rounded-lg border border-line bg-canvas px-3 py-2 text-sm text-fg';

export default function NotificationSettingsPage() {
  usePageTitle(() => 'Notification settings');
  const hh = useHousehold();
  const confirm = createConfirm();
  const [prefs, setPrefs] = createSignal<Load<Record<string, Choice>>>({ state: 'loading' });
  const [channels, setChannels] = createSignal<Load<Channel[]>>({ state: 'loading' });
  const controller = new AbortController();
  onCleanup(() => controller.abort());

  // Only admins who approve requests hear about new ones.
  const events = () => EVENTS.filter((e) => e.id !== 'request.new' || hh.can('manage_requests'));

  const readPrefs = async () => {
    setPrefs({ state: 'loading' });
    try {
      setPrefs({ state: 'ready', value: await getPreferences(hh.hid(), controller.signal) });
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 'aborted')) setPrefs({ state: 'error', error: err });
    }
  };
  const readChannels = async (quiet = false) => {
    if (!quiet) setChannels({ state: 'loading' });
    try {
      setChannels({ state: 'ready', value: await getChannels(hh.hid(), controller.signal) });
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 'aborted') && !quiet)
        setChannels({ state: 'error', error: err });
    }
  };
  onMount(() => {
    void readPrefs();
    void readChannels();
  });

  /** Saved at once; put back if the server refuses. */
  const choose = async (event: string, field: keyof Choice, on: boolean) => {
    const p = prefs();
    if (p.state !== 'ready') return;
    const current = p.value[event] ?? { inApp: true, outbound: true };
    const next = { ...current, [field]: on };
    setPrefs({ state: 'ready', value: { ...p.value, [event]: next } });
    try {
      setPrefs({ state: 'ready', value: await updatePreferences(hh.hid(), { [event]: next }) });
    } catch (err) {
      setPrefs(p);
      showToast({ title: 'Could not save the preference', description: describeError(err), tone: 'error' });
    }
  };

  // --- New channel form
  const [kind, setKind] = createSignal<string>('discord');
  const [name, setName] = createSignal('');
  const [url, setUrl] = createSignal('');
  const [secret, setSecret] = createSignal('');
  const [scope, setScope] = createSignal<'member' | 'household'>('member');
  const [chosen, setChosen] = createSignal<ReadonlySet<string>>(new Set(EVENTS.map((e) => e.id)));
  const [saving, setSaving] = createSignal(false);
  const [formError, setFormError] = createSignal<string | null>(null);

  const addChannel = async (e: Event) => {
    e.preventDefault();
    setFormError(null);
    const evs = events()
      .map((x) => x.id as string)
      .filter((id) => chosen().has(id));
    if (evs.length === 0) {
      setFormError('Choose at least one event to send.');
      return;
    }
    setSaving(true);
    try {
      const c = await createChannel(hh.hid(), {
        scope: scope(),
        kind: kind(),
        name: name().trim(),
        url: url().trim(),
        ...(secret() && kind() !== 'discord' ? { secret: secret() } : {}),
        events: evs,
      });
      setName('');
      setUrl('');
      setSecret('');
      showToast({ title: `Added ${c.name}`, tone: 'success' });
      await readChannels(true);
    } catch (err) {
      setFormError(describeError(err));
    } finally {
      setSaving(false);
    }
  };

  const toggleEnabled = async (c: Channel) => {
    try {
      await updateChannel(hh.hid(), c.id, { enabled: !c.enabled });
      showToast({
        title: `${c.name} ${c.enabled ? 'paused' : 'turned on'}`,
        tone: 'success',
        duration: 2500,
      });
      await readChannels(true);
    } catch (err) {
      showToast({ title: `Could not change ${c.name}`, description: describeError(err), tone: 'error' });
    }
  };

  // "Send test": one message now; the answer (or why there was none) in a toast and on the row.
  const [testing, setTesting] = createSignal<ReadonlySet<string>>(new Set());
  const sendTest = async (c: Channel) => {
    setTesting(new Set([...testing(), c.id]));
    try {
      const r = await testChannel(hh.hid(), c.id);
      const l = channels();
      if (l.state === 'ready')
        setChannels({ state: 'ready', value: l.value.map((x) => (x.id === c.id ? r.channel : x)) });
      showToast(
        r.ok
          ? { title: `Test sent to ${c.name}`, description: r.message, tone: 'success' }
          : { title: `Test to ${c.name} did not arrive`, description: r.message, tone: 'error' },
      );
    } catch (err) {
      showToast({ title: `Could not test ${c.name}`, description: describeError(err), tone: 'error' });
    } finally {
      const next = new Set(testing());
      next.delete(c.id);
      setTesting(next);
    }
  };

  const askRemove = (c: Channel) =>
    confirm.ask({
      title: `Remove ${c.name}?`,
      body: <p>Notifications stop going to {c.urlHost}.</p>,
      confirmLabel: 'Remove',
      danger: true,
      action: async () => {
        await removeChannel(hh.hid(), c.id);
        showToast({ title: `Removed ${c.name}`, tone: 'success' });
        await readChannels(true);
      },
    });

  const mayManage = (c: Channel) => (c.scope === 'household' ? hh.can('manage_integrations') : true);

  return (
    <div class="space-y-8">
      <div>
        <p class="text-sm font-medium text-muted">{hh.detail().household.name}</p>
        <h1 class="text-2xl font-bold tracking-tight text-fg sm:text-3xl">Notification settings</h1>
        <p class="mt-1 text-sm text-muted">
          What you hear about in this household, and where. Your{' '}
          <A href="/notifications" class="font-semibold text-accent underline">
            inbox
          </A>{' '}
          collects everything.
        </p>
      </div>

      <section aria-labelledby="prefs-title" class="space-y-3">
        <h2 id="prefs-title" class="text-xl font-semibold tracking-tight text-fg">
          Events
        </h2>
        <Switch>
          <Match when={prefs().state === 'loading'}>
            <div aria-busy="true" class="space-y-2">
              <span class="sr-only" role="status">
                Loading preferences…
              </span>
              <Skeleton class="h-48" />
            </div>
          </Match>
          <Match when={prefs().state === 'error' ? (prefs() as { error: unknown }) : undefined}>
            {(f) => (
              <ErrorState
                title="Could not load your preferences"
                message={describeError(f().error)}
                onRetry={() => void readPrefs()}
              />
            )}
          </Match>
          <Match
            when={prefs().state === 'ready' ? (prefs() as { value: Record<string, Choice> }) : undefined}
          >
            {(p) => (
              <div class="overflow-x-auto rounded-2xl border border-line bg-surface">
                <table class="w-full text-sm" data-testid="preferences">
                  <thead>
                    <tr class="border-b border-line text-left text-xs text-muted">
                      <th scope="col" class="px-4 py-2 font-medium">
                        Event
                      </th>
                      <th scope="col" class="px-4 py-2 text-center font-medium">
                        In the app
                      </th>
                      <th scope="col" class="px-4 py-2 text-center font-medium">
                        To my channels
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    <For each={events()}>
                      {(ev) => {
                        const c = () => p().value[ev.id] ?? { inApp: true, outbound: true };
                        return (
                          <tr class="border-b border-line last:border-0">
                            <th scope="row" class="px-4 py-2.5 text-left font-medium text-fg">
                              {ev.label}
                            </th>
                            <td class="px-4 py-2.5 text-center">
                              <input
                                type="checkbox"
                                class="size-4 accent-[var(--mn-accent)]"
                                aria-label={`${ev.label}: in the app`}
                                checked={c().inApp}
                                onChange={(e) => void choose(ev.id, 'inApp', e.currentTarget.checked)}
                              />
                            </td>
                            <td class="px-4 py-2.5 text-center">
                              <input
                                type="checkbox"
                                class="size-4 accent-[var(--mn-accent)]"
                                aria-label={`${ev.label}: to my channels`}
                                checked={c().outbound}
                                onChange={(e) => void choose(ev.id, 'outbound', e.currentTarget.checked)}
                              />
                            </td>
                          </tr>
                        );
                      }}
                    </For>
                  </tbody>
                </table>
              </div>
            )}
          </Match>
        </Switch>
      </section>

      <section aria-labelledby="channels-title" class="space-y-3">
        <div>
          <h2 id="channels-title" class="text-xl font-semibold tracking-tight text-fg">
            Channels
          </h2>
          <p class="mt-1 text-sm text-muted">
            Send notifications on to Discord, ntfy or any webhook. Addresses are stored encrypted and never
            shown again; only the host is.
          </p>
        </div>
        <Switch>
          <Match when={channels().state === 'loading'}>
            <div aria-busy="true" class="space-y-2">
              <span class="sr-only" role="status">
                Loading channels…
              </span>
              <Skeleton class="h-16" />
            </div>
          </Match>
          <Match when={channels().state === 'error' ? (channels() as { error: unknown }) : undefined}>
            {(f) => (
              <ErrorState
                title="Could not load the channels"
                message={describeError(f().error)}
                onRetry={() => void readChannels()}
              />
            )}
          </Match>
          <Match
            when={channels().state === 'ready' && (channels() as { value: Channel[] }).value.length === 0}
          >
            <EmptyState icon={<Radio size={32} />} title="No channels yet">
              <p>Add one below to get notifications outside MediaNest too.</p>
            </EmptyState>
          </Match>
          <Match when={channels().state === 'ready' ? (channels() as { value: Channel[] }) : undefined}>
            {(l) => (
              <ul class="space-y-2" data-testid="channels">
                <For each={l().value}>
                  {(c) => (
                    <li
                      class="flex flex-wrap items-center gap-3 rounded-2xl border border-line bg-surface p-4"
                      data-testid="channel"
                    >
                      <div class="min-w-0 flex-1">
                        <p class="flex flex-wrap items-center gap-2 font-semibold text-fg">
                          {c.name}
                          <span class="rounded-full bg-raised px-2 py-0.5 text-xs font-medium text-muted">
                            {c.scope === 'household' ? 'Whole household' : 'Just me'}
                          </span>
                          <Show when={!c.enabled}>
                            <span class="rounded-full bg-warn-soft px-2 py-0.5 text-xs font-medium text-warn">
                              Paused
                            </span>
                          </Show>
                        </p>
                        <p class="text-sm text-muted">
                          {kindLabel(c.kind)} · {c.urlHost} · {c.events.length} event
                          {c.events.length === 1 ? '' : 's'}
                        </p>
                        <Show when={c.lastDelivery}>
                          {(d) => (
                            <p
                              class="mt-1 flex items-center gap-1 text-xs"
                              classList={{ 'text-ok': d().ok, 'text-bad': !d().ok }}
                            >
                              <Show when={d().ok} fallback={<CircleAlert size={12} aria-hidden="true" />}>
                                <CircleCheck size={12} aria-hidden="true" />
                              </Show>
                              Last sent {when.format(d().at)}
                              {d().ok
                                ? ''
                                : `: failed${d().error ? ` (${d().error})` : d().status ? ` (HTTP ${d().status})` : ''}`}
                            </p>
                          )}
                        </Show>
                      </div>
                      <Show when={mayManage(c)}>
                        <div class="flex flex-wrap gap-2">
                          <Button
                            variant="secondary"
                            onClick={() => void sendTest(c)}
                            disabled={testing().has(c.id)}
                            aria-busy={testing().has(c.id)}
                          >
                            <Show when={testing().has(c.id)} fallback={<Send size={16} aria-hidden="true" />}>
                              <LoaderCircle size={16} class="animate-spin" aria-hidden="true" />
                            </Show>
                            {testing().has(c.id) ? 'Sending…' : 'Send test'}
                            <span class="sr-only"> to {c.name}</span>
                          </Button>
                          <Button variant="secondary" onClick={() => void toggleEnabled(c)}>
                            {c.enabled ? 'Pause' : 'Turn on'}
                            <span class="sr-only"> {c.name}</span>
                          </Button>
                          <Button variant="ghost" class="!text-bad" onClick={() => askRemove(c)}>
                            Remove<span class="sr-only"> {c.name}</span>
                          </Button>
                        </div>
                      </Show>
                    </li>
                  )}
                </For>
              </ul>
            )}
          </Match>
        </Switch>

        <form
          onSubmit={addChannel}
          class="space-y-4 rounded-2xl border border-line bg-surface p-4 sm:p-5"
          aria-labelledby="add-channel-title"
        >
          <h3 id="add-channel-title" class="font-semibold text-fg">
            Add a channel
          </h3>
          <div class="grid gap-4 sm:grid-cols-2">
            <label class="block text-sm font-medium text-fg">
              Kind
              <select value={kind()} onChange={(e) => setKind(e.currentTarget.value)} class={inputClass}>
                <For each={CHANNEL_KINDS}>{(k) => <option value={k.id}>{k.label}</option>}</For>
              </select>
              <span class="mt-1 block text-xs font-normal text-muted">
                {CHANNEL_KINDS.find((k) => k.id === kind())?.hint}
              </span>
            </label>
            <label class="block text-sm font-medium text-fg">
              Name
              <input
                required
                maxLength={80}
                value={name()}
                onInput={(e) => setName(e.currentTarget.value)}
                class={inputClass}
                placeholder="Family Discord"
              />
            </label>
            <label class="block text-sm font-medium text-fg sm:col-span-2">
              URL
              <input
                required
                type="url"
                inputmode="url"
                maxLength={2000}
                value={url()}
                onInput={(e) => setUrl(e.currentTarget.value)}
                class={inputClass}
                placeholder={kind() === 'ntfy' ? 'https://ntfy.sh/my-topic' : 'https://'}
              />
            </label>
            <Show when={kind() !== 'discord'}>
              <label class="block text-sm font-medium text-fg sm:col-span-2">
                {kind() === 'ntfy' ? 'Access token (optional)' : 'Authorization header value (optional)'}
                <input
                  type="password"
                  autocomplete="off"
                  maxLength={1000}
                  value={secret()}
                  onInput={(e) => setSecret(e.currentTarget.value)}
                  class={inputClass}
                />
              </label>
            </Show>
            <Show when={hh.can('manage_integrations')}>
              <fieldset class="sm:col-span-2">
                <legend class="text-sm font-medium text-fg">For whom</legend>
                <div class="mt-1 flex flex-wrap gap-4 text-sm">
                  <label class="flex items-center gap-2">
                    <input
                      type="radio"
                      name="channel-scope"
                      class="size-4 accent-[var(--mn-accent)]"
                      checked={scope() === 'member'}
                      onChange={() => setScope('member')}
                    />
                    Just me
                  </label>
                  <label class="flex items-center gap-2">
                    <input
                      type="radio"
                      name="channel-scope"
                      class="size-4 accent-[var(--mn-accent)]"
                      checked={scope() === 'household'}
                      onChange={() => setScope('household')}
                    />
                    The whole household (every member's events)
                  </label>
                </div>
              </fieldset>
            </Show>
            <fieldset class="sm:col-span-2">
              <legend class="text-sm font-medium text-fg">Events to send</legend>
              <div class="mt-1 grid gap-1.5 text-sm sm:grid-cols-3">
                <For each={events()}>
                  {(ev) => (
                    <label class="flex items-center gap-2">
                      <input
                        type="checkbox"
                        class="size-4 accent-[var(--mn-accent)]"
                        checked={chosen().has(ev.id)}
                        onChange={(e) => {
                          const next = new Set(chosen());
                          if (e.currentTarget.checked) next.add(ev.id);
                          else next.delete(ev.id);
                          setChosen(next);
                        }}
                      />
                      {ev.label}
                    </label>
                  )}
                </For>
              </div>
            </fieldset>
          </div>
          <Show when={formError()}>
            <p role="alert" class="rounded-lg bg-bad-soft p-3 text-sm text-fg">
              {formError()}
            </p>
          </Show>
          <Button type="submit" disabled={saving()}>
            <Show when={saving()} fallback={<Plus size={16} aria-hidden="true" />}>
              <LoaderCircle size={16} class="animate-spin" aria-hidden="true" />
            </Show>
            Add channel
          </Button>
        </form>
      </section>
      <confirm.Dialog />
    </div>
  );
}
