/**
 * Integration settings (admins with `manage_integrations`): the household's Plex server(s),
 * Overseerr and Uptime Kuma. Test connection shows the API's message word for word; a save runs
 * the test again on the server and refuses a failing one unless "Save anyway". Secrets are typed
 * in, never shown: a stored key is only ever named by its last four characters.
 */
import Activity from 'lucide-solid/icons/activity';
import CircleAlert from 'lucide-solid/icons/circle-alert';
import CircleCheck from 'lucide-solid/icons/circle-check';
import Inbox from 'lucide-solid/icons/inbox';
import LoaderCircle from 'lucide-solid/icons/loader-circle';
import Lock from 'lucide-solid/icons/lock';
import PlugZap from 'lucide-solid/icons/plug-zap';
import Save from 'lucide-solid/icons/save';
import Server from 'lucide-solid/icons/server';
import {
  createMemo,
  createSignal,
  For,
  type JSX,
  Match,
  onCleanup,
  onMount,
  type ParentProps,
  Show,
  Switch,
} from 'solid-js';
import { createConfirm } from '../../../../components/confirm-dialog.tsx';
import { Button, EmptyState, ErrorState, Skeleton } from '../../../../components/states.tsx';
import { ApiError, describeError } from '../../../../lib/api.ts';
import { useHousehold } from '../../../../lib/household-context.ts';
import {
  getIntegrations,
  getKumaMonitors,
  getPlexConnections,
  type Integration,
  type IntegrationInput,
  type KumaMonitors,
  type MonitorSetting,
  type PlexServerChoice,
  removeIntegration,
  saveIntegration,
  setKumaMonitors,
  type TestResult,
  testIntegration,
} from '../../../../lib/status.ts';
import { usePageTitle } from '../../../../lib/title.ts';
import { showToast } from '../../../../lib/toast.tsx';

const inputClass =
  'w-full rounded-lg border border-line bg-canvas px-3 py-2 text-fg placeholder:text-muted disabled:opacity-60';
const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

type Load<T> = { state: 'loading' } | { state: 'ready'; value: T } | { state: 'error'; error: unknown };

/** The test result (or a save refusal) in words, announced to screen readers. */
function ResultBox(props: { kind: string; result: TestResult | undefined; error: string | undefined }) {
  return (
    <div role="status" aria-live="polite" data-testid={`test-result-${props.kind}`}>
      <Show when={props.result}>
        {(r) => (
          <div
            class="flex items-start gap-2 rounded-lg px-3 py-2 text-sm text-fg"
            classList={{ 'bg-ok-soft': r().ok, 'bg-bad-soft': !r().ok }}
            data-ok={r().ok ? 'true' : 'false'}
          >
            <Show
              when={r().ok}
              fallback={<CircleAlert size={16} class="mt-0.5 shrink-0 text-bad" aria-hidden="true" />}
            >
              <CircleCheck size={16} class="mt-0.5 shrink-0 text-ok" aria-hidden="true" />
            </Show>
            <span class="min-w-0">
              <span class="block font-medium" data-testid="test-message">
                {r().message}
              </span>
              <Show when={r().ok && (r().version || r().latencyMs !== null)}>
                <span class="block text-xs text-muted">
                  {[
                    r().version ? `version ${r().version}` : '',
                    r().latencyMs !== null ? `${r().latencyMs} ms` : '',
                  ]
                    .filter(Boolean)
                    .join(' · ')}
                </span>
              </Show>
              <Show when={!r().ok && r().hint}>
                <span class="block text-xs text-fg/85">{r().hint}</span>
              </Show>
            </span>
          </div>
        )}
      </Show>
      <Show when={props.error}>
        <p class="mt-2 rounded-lg bg-bad-soft px-3 py-2 text-sm text-fg" data-testid="form-error">
          {props.error}
        </p>
      </Show>
    </div>
  );
}

function LastTest(props: { saved: Integration | undefined }) {
  return (
    <Show when={props.saved?.lastTest}>
      {(t) => (
        <p class="text-xs text-muted">
          Saved {when.format(props.saved?.updatedAt ?? t().at)}; last test{' '}
          {t().ok ? 'passed' : `failed: ${t().message}`}.
        </p>
      )}
    </Show>
  );
}

/**
 * Test / Save / Save anyway / Remove for one integration. `input()` returns the settings as typed
 * or a sentence saying what is missing.
 */
function createIntegrationForm(options: {
  hid: () => string;
  kind: string;
  label: string;
  input: () => IntegrationInput | string;
  onSaved: () => Promise<void>;
}) {
  const [result, setResult] = createSignal<TestResult | undefined>();
  const [error, setError] = createSignal<string | undefined>();
  const [busy, setBusy] = createSignal<'test' | 'save' | undefined>();
  const [offerAnyway, setOfferAnyway] = createSignal(false);

  const read = (): IntegrationInput | undefined => {
    const i = options.input();
    if (typeof i === 'string') {
      setError(i);
      setResult(undefined);
      return undefined;
    }
    return i;
  };

  const test = async () => {
    setError(undefined);
    setOfferAnyway(false);
    const input = read();
    if (!input) return;
    setBusy('test');
    setResult(undefined);
    try {
      setResult(await testIntegration(options.hid(), input));
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(undefined);
    }
  };

  const save = async (anyway = false) => {
    setError(undefined);
    const input = read();
    if (!input) return;
    setBusy('save');
    try {
      const saved = await saveIntegration(options.hid(), {
        ...input,
        ...(anyway ? { saveAnyway: true } : {}),
      });
      setResult(saved.test);
      setOfferAnyway(false);
      showToast({ title: `${options.label} saved`, tone: 'success', duration: 2500 });
      await options.onSaved();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'integration.test_failed') {
        const details = err.details as { test?: TestResult } | undefined;
        if (details?.test) setResult(details.test);
        setError(
          details?.test
            ? 'Not saved: the connection test failed. Fix the settings, or save anyway if the service is only down for now.'
            : `Not saved: ${err.message}`,
        );
        setOfferAnyway(true);
      } else {
        if (err instanceof ApiError && err.code === 'integration.url_refused') {
          const details = err.details as { test?: TestResult } | undefined;
          if (details?.test) setResult(details.test);
        }
        setError(`Not saved: ${describeError(err)}`);
      }
    } finally {
      setBusy(undefined);
    }
  };

  const Actions = (props: { saved: Integration | undefined; onRemove: () => void }) => (
    <div class="flex flex-wrap items-center gap-2">
      <Button
        variant="secondary"
        onClick={() => void test()}
        disabled={busy() !== undefined}
        data-testid={`test-${options.kind}`}
      >
        <Show when={busy() === 'test'} fallback={<PlugZap size={16} aria-hidden="true" />}>
          <LoaderCircle size={16} class="animate-spin" aria-hidden="true" />
        </Show>
        Test connection
      </Button>
      <Button type="submit" disabled={busy() !== undefined} data-testid={`save-${options.kind}`}>
        <Show when={busy() === 'save'} fallback={<Save size={16} aria-hidden="true" />}>
          <LoaderCircle size={16} class="animate-spin" aria-hidden="true" />
        </Show>
        Save
      </Button>
      <Show when={offerAnyway()}>
        <Button variant="secondary" onClick={() => void save(true)} disabled={busy() !== undefined}>
          Save anyway
        </Button>
      </Show>
      <Show when={props.saved}>
        <Button variant="ghost" onClick={props.onRemove} disabled={busy() !== undefined} class="sm:ml-auto">
          Remove
        </Button>
      </Show>
    </div>
  );

  const onSubmit = (e: SubmitEvent) => {
    e.preventDefault();
    void save(false);
  };

  return { result, error, Actions, onSubmit };
}

function Section(props: ParentProps<{ id: string; icon: JSX.Element; title: string; hint: string }>) {
  return (
    <section aria-labelledby={`${props.id}-title`} class="space-y-3">
      <div class="flex items-start gap-3">
        <span
          class="flex size-9 shrink-0 items-center justify-center rounded-xl bg-accent-soft text-accent"
          aria-hidden="true"
        >
          {props.icon}
        </span>
        <div>
          <h2 id={`${props.id}-title`} class="text-xl font-semibold tracking-tight text-fg">
            {props.title}
          </h2>
          <p class="text-sm text-muted">{props.hint}</p>
        </div>
      </div>
      {props.children}
    </section>
  );
}

const TYPED = '__typed';

function connectionLabel(c: PlexServerChoice['connections'][number]): string {
  const where = c.relay ? 'relay' : c.local ? 'local network' : 'remote';
  return `${c.uri} (${where})`;
}

function PlexServerForm(props: {
  hid: string;
  server: PlexServerChoice;
  saved: Integration | undefined;
  onSaved: () => Promise<void>;
  onRemove: (i: Integration) => void;
}) {
  const listed = () => props.server.connections.map((c) => c.uri);
  const initialChoice = () => {
    const url = props.saved?.url;
    if (url && !listed().some((u) => u.replace(/\/+$/, '') === url.replace(/\/+$/, ''))) return TYPED;
    if (url) return listed().find((u) => u.replace(/\/+$/, '') === url.replace(/\/+$/, '')) ?? TYPED;
    return listed()[0] ?? TYPED;
  };
  const [choice, setChoice] = createSignal(initialChoice());
  const [typed, setTyped] = createSignal(props.saved && initialChoice() === TYPED ? props.saved.url : '');
  const base = `plex-${props.server.machineIdentifier}`;
  const form = createIntegrationForm({
    hid: () => props.hid,
    kind: base,
    label: props.server.name,
    input: () => {
      const url = choice() === TYPED ? typed().trim() : choice();
      if (!url) return 'Choose an address, or type one.';
      return { kind: 'plex', machineIdentifier: props.server.machineIdentifier, url };
    },
    onSaved: props.onSaved,
  });
  return (
    <form
      onSubmit={form.onSubmit}
      noValidate
      class="space-y-4 rounded-2xl border border-line bg-surface p-5"
      data-testid={`form-${base}`}
      aria-label={`Plex server ${props.server.name}`}
    >
      <div class="flex flex-wrap items-center justify-between gap-2">
        <p class="font-semibold text-fg">{props.server.name}</p>
        <Show when={props.server.missing}>
          <span class="rounded-full bg-warn-soft px-2 py-0.5 text-xs font-semibold text-warn">
            Not in the owner's plex.tv servers any more
          </span>
        </Show>
      </div>
      <div class="space-y-1.5">
        <label for={`${base}-choice`} class="block text-sm font-medium text-fg">
          Address
        </label>
        <select
          id={`${base}-choice`}
          value={choice()}
          onChange={(e) => setChoice(e.currentTarget.value)}
          class={inputClass}
        >
          {/* `selected` per option: the list is rebuilt after a save, and must keep the choice. */}
          <For each={props.server.connections}>
            {(c) => (
              <option value={c.uri} selected={choice() === c.uri}>
                {connectionLabel(c)}
              </option>
            )}
          </For>
          <option value={TYPED} selected={choice() === TYPED}>
            Type an address…
          </option>
        </select>
        <Show when={props.server.connections.length === 0}>
          <p class="text-xs text-muted">
            plex.tv lists no address for this server: type the one MediaNest can reach.
          </p>
        </Show>
      </div>
      <Show when={choice() === TYPED}>
        <div class="space-y-1.5">
          <label for={`${base}-url`} class="block text-sm font-medium text-fg">
            Plex address
          </label>
          <input
            id={`${base}-url`}
            type="url"
            inputmode="url"
            autocomplete="off"
            placeholder="http://192.168.1.20:32400"
            value={typed()}
            onInput={(e) => setTyped(e.currentTarget.value)}
            aria-describedby={`${base}-url-hint`}
            class={inputClass}
          />
          <p id={`${base}-url-hint`} class="text-xs text-muted">
            Only the owner can save an address plex.tv does not list: it receives the owner's Plex token.
          </p>
        </div>
      </Show>
      <ResultBox kind={base} result={form.result()} error={form.error()} />
      <form.Actions saved={props.saved} onRemove={() => props.saved && props.onRemove(props.saved)} />
      <LastTest saved={props.saved} />
    </form>
  );
}

function OverseerrForm(props: {
  hid: string;
  saved: Integration | undefined;
  onSaved: () => Promise<void>;
  onRemove: (i: Integration) => void;
}) {
  const [url, setUrl] = createSignal(props.saved?.url ?? '');
  const [key, setKey] = createSignal('');
  const form = createIntegrationForm({
    hid: () => props.hid,
    kind: 'overseerr',
    label: 'Overseerr',
    input: () => {
      if (!url().trim()) return 'Type the Overseerr address, e.g. http://192.168.1.20:5055.';
      if (!key().trim() && !props.saved?.secret)
        return 'Type the Overseerr API key (Settings → General in Overseerr).';
      return { kind: 'overseerr', url: url().trim(), ...(key().trim() ? { apiKey: key().trim() } : {}) };
    },
    onSaved: async () => {
      setKey('');
      await props.onSaved();
    },
  });
  return (
    <form
      onSubmit={form.onSubmit}
      noValidate
      class="space-y-4 rounded-2xl border border-line bg-surface p-5"
      data-testid="form-overseerr"
      aria-label="Overseerr"
    >
      <div class="grid gap-4 sm:grid-cols-2">
        <div class="space-y-1.5">
          <label for="overseerr-url" class="block text-sm font-medium text-fg">
            Address
          </label>
          <input
            id="overseerr-url"
            type="url"
            inputmode="url"
            autocomplete="off"
            placeholder="http://192.168.1.20:5055"
            value={url()}
            onInput={(e) => setUrl(e.currentTarget.value)}
            class={inputClass}
          />
        </div>
        <div class="space-y-1.5">
          <label for="overseerr-key" class="block text-sm font-medium text-fg">
            API key
          </label>
          <input
            id="overseerr-key"
            type="password"
            autocomplete="off"
            spellcheck={false}
            placeholder={
              props.saved?.secret ? `Stored ${props.saved.secret.masked}` : 'From Settings → General'
            }
            value={key()}
            onInput={(e) => setKey(e.currentTarget.value)}
            aria-describedby="overseerr-key-hint"
            class={inputClass}
          />
          <p id="overseerr-key-hint" class="text-xs text-muted">
            <Show when={props.saved?.secret} fallback="Kept encrypted; never shown again after saving.">
              {(s) => <>A key ending {s().masked.replace(/^•+/, '')} is stored. Leave empty to keep it.</>}
            </Show>
          </p>
        </div>
      </div>
      <ResultBox kind="overseerr" result={form.result()} error={form.error()} />
      <form.Actions saved={props.saved} onRemove={() => props.saved && props.onRemove(props.saved)} />
      <LastTest saved={props.saved} />
    </form>
  );
}

function KumaForm(props: {
  hid: string;
  saved: Integration | undefined;
  onSaved: () => Promise<void>;
  onRemove: (i: Integration) => void;
}) {
  const [url, setUrl] = createSignal(props.saved?.url ?? '');
  const [slug, setSlug] = createSignal(props.saved?.slug ?? '');
  const [key, setKey] = createSignal('');
  const [forgetKey, setForgetKey] = createSignal(false);
  const form = createIntegrationForm({
    hid: () => props.hid,
    kind: 'uptime_kuma',
    label: 'Uptime Kuma',
    input: () => {
      if (!url().trim()) return 'Type the Uptime Kuma address, e.g. http://192.168.1.20:3001.';
      const hasKey = key().trim() !== '' || (!!props.saved?.secret && !forgetKey());
      if (!slug().trim() && !hasKey) return 'Give a status page slug, a /metrics API key, or both.';
      return {
        kind: 'uptime_kuma',
        url: url().trim(),
        slug: slug().trim() || null,
        ...(key().trim() ? { apiKey: key().trim() } : forgetKey() ? { apiKey: null } : {}),
      };
    },
    onSaved: async () => {
      setKey('');
      setForgetKey(false);
      await props.onSaved();
    },
  });
  return (
    <form
      onSubmit={form.onSubmit}
      noValidate
      class="space-y-4 rounded-2xl border border-line bg-surface p-5"
      data-testid="form-uptime_kuma"
      aria-label="Uptime Kuma"
    >
      <div class="grid gap-4 sm:grid-cols-3">
        <div class="space-y-1.5">
          <label for="kuma-url" class="block text-sm font-medium text-fg">
            Address
          </label>
          <input
            id="kuma-url"
            type="url"
            inputmode="url"
            autocomplete="off"
            placeholder="http://192.168.1.20:3001"
            value={url()}
            onInput={(e) => setUrl(e.currentTarget.value)}
            class={inputClass}
          />
        </div>
        <div class="space-y-1.5">
          <label for="kuma-slug" class="block text-sm font-medium text-fg">
            Status page slug
          </label>
          <input
            id="kuma-slug"
            type="text"
            autocomplete="off"
            spellcheck={false}
            placeholder="home"
            value={slug()}
            onInput={(e) => setSlug(e.currentTarget.value)}
            aria-describedby="kuma-slug-hint"
            class={inputClass}
          />
          <p id="kuma-slug-hint" class="text-xs text-muted">
            The end of the status page's address: /status/<em>slug</em>.
          </p>
        </div>
        <div class="space-y-1.5">
          <label for="kuma-key" class="block text-sm font-medium text-fg">
            API key for /metrics (optional)
          </label>
          <input
            id="kuma-key"
            type="password"
            autocomplete="off"
            spellcheck={false}
            placeholder={props.saved?.secret ? `Stored ${props.saved.secret.masked}` : 'uk1_…'}
            value={key()}
            onInput={(e) => setKey(e.currentTarget.value)}
            aria-describedby="kuma-key-hint"
            class={inputClass}
          />
          <p id="kuma-key-hint" class="text-xs text-muted">
            <Show when={props.saved?.secret} fallback="Adds every monitor, not only the status page's.">
              Leave empty to keep the stored key.
            </Show>
          </p>
          <Show when={props.saved?.secret}>
            <label class="flex items-center gap-2 text-sm text-fg">
              <input
                type="checkbox"
                checked={forgetKey()}
                onChange={(e) => setForgetKey(e.currentTarget.checked)}
                class="size-4 accent-[var(--mn-accent)]"
              />
              Remove the stored key
            </label>
          </Show>
        </div>
      </div>
      <ResultBox kind="uptime_kuma" result={form.result()} error={form.error()} />
      <form.Actions saved={props.saved} onRemove={() => props.saved && props.onRemove(props.saved)} />
      <LastTest saved={props.saved} />
    </form>
  );
}

interface MonitorDraft {
  visible: boolean;
  label: string;
  attachTo: string;
}

function MonitorsEditor(props: { hid: string; plex: Integration[]; overseerr: boolean }) {
  const [load, setLoad] = createSignal<Load<KumaMonitors>>({ state: 'loading' });
  const [drafts, setDrafts] = createSignal<Record<string, MonitorDraft>>({});
  const [byDefault, setByDefault] = createSignal(true);
  const [saving, setSaving] = createSignal(false);
  const [error, setError] = createSignal<string | undefined>();
  let controller: AbortController | undefined;

  const fetchMonitors = async () => {
    controller?.abort();
    const mine = new AbortController();
    controller = mine;
    setLoad({ state: 'loading' });
    try {
      const value = await getKumaMonitors(props.hid, mine.signal);
      if (controller !== mine) return;
      const d: Record<string, MonitorDraft> = {};
      for (const m of value.monitors) {
        d[String(m.id)] = {
          visible: m.visible,
          label: m.setting?.label ?? '',
          attachTo: m.setting?.attachTo ?? '',
        };
      }
      setDrafts(d);
      setByDefault(value.visibleByDefault);
      setLoad({ state: 'ready', value });
    } catch (err) {
      if (controller !== mine || (err instanceof ApiError && err.code === 'aborted')) return;
      setLoad({ state: 'error', error: err });
    }
  };
  onMount(() => void fetchMonitors());
  onCleanup(() => controller?.abort());

  const update = (id: string, patch: Partial<MonitorDraft>) =>
    setDrafts((d) => ({ ...d, [id]: { ...(d[id] as MonitorDraft), ...patch } }));

  const save = async (e: SubmitEvent) => {
    e.preventDefault();
    setError(undefined);
    const monitors: Record<string, MonitorSetting> = {};
    for (const [id, d] of Object.entries(drafts())) {
      monitors[id] = {
        visible: d.visible,
        ...(d.label.trim() ? { label: d.label.trim() } : {}),
        ...(d.attachTo ? { attachTo: d.attachTo } : {}),
      };
    }
    setSaving(true);
    try {
      await setKumaMonitors(props.hid, { monitors, visibleByDefault: byDefault() });
      showToast({
        title: 'Monitor choices saved',
        description: 'The dashboard shows them from the next check.',
        tone: 'success',
        duration: 3000,
      });
    } catch (err) {
      setError(describeError(err));
    } finally {
      setSaving(false);
    }
  };

  const cards = () => [
    ...(props.overseerr ? [{ value: 'overseerr', label: 'Overseerr card' }] : []),
    ...props.plex.map((p) => ({ value: `plex:${p.id}`, label: `${p.name} card` })),
  ];

  return (
    <Switch>
      <Match when={load().state === 'loading'}>
        <Skeleton class="h-32 w-full rounded-2xl" />
      </Match>
      <Match when={load().state === 'error' && (load() as { error: unknown })}>
        {(l) => (
          <ErrorState
            title="Could not load the monitors"
            message={describeError(l().error)}
            onRetry={() => void fetchMonitors()}
          />
        )}
      </Match>
      <Match when={load().state === 'ready' && (load() as { value: KumaMonitors }).value}>
        {(value) => (
          <form onSubmit={save} noValidate class="space-y-4" data-testid="monitors-form">
            <Show when={value().problem}>
              {(p) => (
                <div
                  role="alert"
                  class="flex flex-wrap items-center gap-3 rounded-lg bg-warn-soft px-3 py-2 text-sm text-fg"
                >
                  <CircleAlert size={16} class="shrink-0 text-warn" aria-hidden="true" />
                  <span class="min-w-0 flex-1">
                    Uptime Kuma did not list its monitors: {p().message} {p().hint ?? ''}
                  </span>
                  <Button variant="secondary" onClick={() => void fetchMonitors()}>
                    Try again
                  </Button>
                </div>
              )}
            </Show>
            <Show
              when={value().monitors.length > 0}
              fallback={
                <Show when={!value().problem}>
                  <EmptyState icon={<Activity size={32} />} title="No monitors found">
                    <p>Uptime Kuma lists no monitors on this status page (or for this API key).</p>
                  </EmptyState>
                </Show>
              }
            >
              <div class="overflow-x-auto rounded-2xl border border-line bg-surface">
                <table class="w-full min-w-[36rem] text-sm">
                  <caption class="sr-only">Uptime Kuma monitors and who sees them</caption>
                  <thead class="text-left text-xs text-muted">
                    <tr class="border-b border-line">
                      <th scope="col" class="px-4 py-2 font-medium">
                        Monitor
                      </th>
                      <th scope="col" class="px-4 py-2 font-medium">
                        Members see it
                      </th>
                      <th scope="col" class="px-4 py-2 font-medium">
                        Label
                      </th>
                      <th scope="col" class="px-4 py-2 font-medium">
                        Shown in
                      </th>
                    </tr>
                  </thead>
                  <tbody class="divide-y divide-line">
                    <For each={value().monitors}>
                      {(m) => {
                        const id = String(m.id);
                        const d = () => drafts()[id] ?? { visible: m.visible, label: '', attachTo: '' };
                        return (
                          <tr data-testid="monitor-setting" data-monitor={id}>
                            <th scope="row" class="px-4 py-2 text-left font-medium text-fg">
                              {m.name}
                              <span class="block text-xs font-normal text-muted">
                                {m.statusName}
                                {m.group ? ` · ${m.group}` : ''}
                              </span>
                            </th>
                            <td class="px-4 py-2">
                              <input
                                type="checkbox"
                                aria-label={`Members see ${m.name}`}
                                checked={d().visible}
                                onChange={(e) => update(id, { visible: e.currentTarget.checked })}
                                class="size-4 accent-[var(--mn-accent)]"
                              />
                            </td>
                            <td class="px-4 py-2">
                              <input
                                type="text"
                                aria-label={`Label for ${m.name}`}
                                placeholder={m.name}
                                maxLength={80}
                                value={d().label}
                                onInput={(e) => update(id, { label: e.currentTarget.value })}
                                class={inputClass}
                              />
                            </td>
                            <td class="px-4 py-2">
                              <select
                                aria-label={`Where ${m.name} is shown`}
                                value={d().attachTo}
                                onChange={(e) => update(id, { attachTo: e.currentTarget.value })}
                                class={inputClass}
                              >
                                <option value="">Monitor list</option>
                                <For each={cards()}>{(c) => <option value={c.value}>{c.label}</option>}</For>
                              </select>
                            </td>
                          </tr>
                        );
                      }}
                    </For>
                  </tbody>
                </table>
              </div>
            </Show>
            <label class="flex items-center gap-2 text-sm text-fg">
              <input
                type="checkbox"
                checked={byDefault()}
                onChange={(e) => setByDefault(e.currentTarget.checked)}
                class="size-4 accent-[var(--mn-accent)]"
              />
              Show monitors added to Uptime Kuma later to members
            </label>
            <Show when={error()}>
              <p role="alert" class="rounded-lg bg-bad-soft px-3 py-2 text-sm text-fg">
                {error()}
              </p>
            </Show>
            <Button type="submit" disabled={saving()} data-testid="save-monitors">
              <Show when={saving()} fallback={<Save size={16} aria-hidden="true" />}>
                <LoaderCircle size={16} class="animate-spin" aria-hidden="true" />
              </Show>
              Save monitor choices
            </Button>
          </form>
        )}
      </Match>
    </Switch>
  );
}

interface PageData {
  integrations: Integration[];
  servers: PlexServerChoice[];
  /** plex.tv could not list the connections: the household's servers with no choices. */
  serversProblem: string | undefined;
}

export default function IntegrationsPage() {
  usePageTitle(() => 'Integrations');
  const hh = useHousehold();
  const confirm = createConfirm();
  const [load, setLoad] = createSignal<Load<PageData>>({ state: 'loading' });
  const [kumaVersion, setKumaVersion] = createSignal(0);
  let controller: AbortController | undefined;

  const fallbackServers = (): PlexServerChoice[] =>
    (hh.detail().household.servers ?? []).map((s) => ({
      machineIdentifier: s.machineIdentifier,
      name: s.name ?? s.machineIdentifier,
      connections: [],
      missing: false,
    }));

  const fetchAll = async (quiet = false) => {
    controller?.abort();
    const mine = new AbortController();
    controller = mine;
    if (!quiet) setLoad({ state: 'loading' });
    try {
      const [list, servers] = await Promise.all([
        getIntegrations(hh.hid(), mine.signal),
        getPlexConnections(hh.hid(), mine.signal).then(
          (r) => ({ servers: r.servers, problem: undefined }),
          (err: unknown) => {
            if (err instanceof ApiError && err.code === 'aborted') throw err;
            return { servers: fallbackServers(), problem: describeError(err) };
          },
        ),
      ]);
      if (controller !== mine) return;
      setLoad({
        state: 'ready',
        value: { integrations: list.integrations, servers: servers.servers, serversProblem: servers.problem },
      });
    } catch (err) {
      if (controller !== mine || (err instanceof ApiError && err.code === 'aborted')) return;
      setLoad({ state: 'error', error: err });
    }
  };
  onMount(() => {
    if (hh.can('manage_integrations')) void fetchAll();
  });
  onCleanup(() => controller?.abort());

  const data = createMemo(() => {
    const l = load();
    return l.state === 'ready' ? l.value : undefined;
  });
  const saved = (kind: string, id = 'main') =>
    data()?.integrations.find((i) => i.kind === kind && i.id === id);
  const savedPlex = () => data()?.integrations.filter((i) => i.kind === 'plex') ?? [];

  const onSaved = async () => {
    await fetchAll(true);
    setKumaVersion((v) => v + 1);
  };

  const askRemove = (i: Integration) =>
    confirm.ask({
      title: `Remove ${i.name}?`,
      body: <p>Its card leaves the dashboard and its stored settings and key are deleted.</p>,
      confirmLabel: 'Remove',
      danger: true,
      action: async () => {
        await removeIntegration(hh.hid(), i.kind, i.id);
        showToast({ title: `${i.name} removed`, tone: 'success', duration: 2500 });
        await onSaved();
      },
    });

  return (
    <Show
      when={hh.can('manage_integrations')}
      fallback={
        <EmptyState icon={<Lock size={36} />} title="Only admins who manage integrations can open this page">
          <p data-testid="no-permission">
            Ask the owner if you need to connect Plex, Overseerr or Uptime Kuma.
          </p>
        </EmptyState>
      }
    >
      <div class="space-y-10">
        <confirm.Dialog />
        <Switch>
          <Match when={load().state === 'loading'}>
            <div class="space-y-4" aria-busy="true" data-testid="integrations-loading">
              <Skeleton class="h-40 w-full rounded-2xl" />
              <Skeleton class="h-40 w-full rounded-2xl" />
            </div>
          </Match>
          <Match when={load().state === 'error' && (load() as { error: unknown })}>
            {(l) => (
              <ErrorState
                title="Could not load the integrations"
                message={describeError(l().error)}
                requestId={l().error instanceof ApiError ? (l().error as ApiError).requestId : undefined}
                onRetry={() => void fetchAll()}
              />
            )}
          </Match>
          <Match when={data()}>
            {(d) => (
              <>
                <Section
                  id="plex"
                  icon={<Server size={18} />}
                  title="Plex Media Server"
                  hint="Choose the address MediaNest uses to reach each server; the owner's Plex token goes only there."
                >
                  <Show when={d().serversProblem}>
                    <p role="alert" class="rounded-lg bg-warn-soft px-3 py-2 text-sm text-fg">
                      plex.tv did not list the servers' addresses ({d().serversProblem}). You can still type
                      one.
                    </p>
                  </Show>
                  <Show
                    when={d().servers.length > 0}
                    fallback={<p class="text-sm text-muted">This household has no Plex server.</p>}
                  >
                    {/* Keyed by server id, so a re-read after saving keeps each form (and its result). */}
                    <For each={d().servers.map((s) => s.machineIdentifier)}>
                      {(mid) => (
                        <Show when={d().servers.find((s) => s.machineIdentifier === mid)}>
                          {(server) => (
                            <PlexServerForm
                              hid={hh.hid()}
                              server={server()}
                              saved={saved('plex', mid)}
                              onSaved={onSaved}
                              onRemove={askRemove}
                            />
                          )}
                        </Show>
                      )}
                    </For>
                  </Show>
                </Section>
                <Section
                  id="overseerr"
                  icon={<Inbox size={18} />}
                  title="Overseerr"
                  hint="Requests and their status. Overseerr or Jellyseerr: the address and an API key."
                >
                  <OverseerrForm
                    hid={hh.hid()}
                    saved={saved('overseerr')}
                    onSaved={onSaved}
                    onRemove={askRemove}
                  />
                </Section>
                <Section
                  id="kuma"
                  icon={<Activity size={18} />}
                  title="Uptime Kuma"
                  hint="A status page slug, the /metrics API key, or both."
                >
                  <KumaForm
                    hid={hh.hid()}
                    saved={saved('uptime_kuma')}
                    onSaved={onSaved}
                    onRemove={askRemove}
                  />
                </Section>
                <Show when={saved('uptime_kuma')}>
                  <Section
                    id="monitors"
                    icon={<Activity size={18} />}
                    title="Monitors members see"
                    hint="Choose which Uptime Kuma monitors members see, how they are called, and which card shows them."
                  >
                    <Show when={kumaVersion() + 1} keyed>
                      <MonitorsEditor hid={hh.hid()} plex={savedPlex()} overseerr={!!saved('overseerr')} />
                    </Show>
                  </Section>
                </Show>
              </>
            )}
          </Match>
        </Switch>
      </div>
    </Show>
  );
}
