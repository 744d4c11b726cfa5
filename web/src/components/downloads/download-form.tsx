/**
 * "New download": a link, a quality, and where it goes (a Plex library section and a naming
 * preset). The server is the judge of the link and the quota: its refusal (malformed link,
 * unsupported site, quota used up) is shown under the form in its own words, and no job exists.
 */
import { A } from '@solidjs/router';
import Download from 'lucide-solid/icons/download';
import LoaderCircle from 'lucide-solid/icons/loader-circle';
import RefreshCw from 'lucide-solid/icons/refresh-cw';
import { createSignal, For, Match, onCleanup, onMount, Show, Switch } from 'solid-js';
import { ApiError, describeError } from '../../lib/api.ts';
import { Button, Skeleton } from '../states.tsx';
import {
  type Download as DownloadInfo,
  getSections,
  PRESETS,
  QUALITIES,
  type Section,
  submitDownload,
} from './api.ts';

type Sections =
  | { state: 'loading' }
  | { state: 'ready'; sections: Section[]; down: number }
  | { state: 'not_configured' }
  | { state: 'error'; error: unknown };

const field = 'w-full rounded-lg border border-line bg-canvas px-3 py-2 text-fg';

/** The section a download most likely belongs in: a personal-media one ("Other Videos", "YouTube"). */
function preferred(sections: Section[]): string {
  const personal = sections.find((s) => /other|youtube|video|clip/i.test(s.title));
  return (personal ?? sections[0])?.key ?? '';
}

export function DownloadForm(props: {
  hid: string;
  isAdmin: boolean;
  onQueued: (d: DownloadInfo) => void;
  /** The server refused the link (the quota shown may be stale now). */
  onRefused?: () => void;
}) {
  const [url, setUrl] = createSignal('');
  const [quality, setQuality] = createSignal('best');
  const [section, setSection] = createSignal('');
  const [preset, setPreset] = createSignal('other-videos');
  const [sections, setSections] = createSignal<Sections>({ state: 'loading' });
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | undefined>();
  let controller: AbortController | undefined;
  let input: HTMLInputElement | undefined;

  const loadSections = async () => {
    controller?.abort();
    const mine = new AbortController();
    controller = mine;
    setSections({ state: 'loading' });
    try {
      const out = await getSections(props.hid, mine.signal);
      const list = out.sections.filter((s) => s.type === 'movie' || s.type === 'show' || s.type === 'artist');
      if (controller !== mine) return;
      setSections({ state: 'ready', sections: list, down: out.unavailable.length });
      if (!list.some((s) => s.key === section())) setSection(preferred(list));
    } catch (err) {
      if (controller !== mine || (err instanceof ApiError && err.code === 'aborted')) return;
      if (err instanceof ApiError && err.code === 'library.no_server')
        setSections({ state: 'not_configured' });
      else setSections({ state: 'error', error: err });
    }
  };
  onMount(() => void loadSections());
  onCleanup(() => controller?.abort());

  const ready = () => {
    const s = sections();
    return s.state === 'ready' ? s : undefined;
  };

  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    setError(undefined);
    if (!section()) {
      setError('Choose the Plex library section the download goes into.');
      return;
    }
    setBusy(true);
    try {
      const d = await submitDownload(props.hid, {
        url: url(),
        quality: quality(),
        target: { sectionKey: section(), preset: preset() },
      });
      setUrl('');
      props.onQueued(d);
    } catch (err) {
      setError(describeError(err));
      props.onRefused?.();
      input?.focus();
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      onSubmit={submit}
      noValidate
      aria-labelledby="new-download-title"
      class="space-y-4 rounded-2xl border border-line bg-surface p-5"
      data-testid="download-form"
    >
      <div class="space-y-1.5">
        <label for="download-url" class="block text-sm font-medium text-fg">
          Link to a video or playlist
        </label>
        <input
          id="download-url"
          ref={input}
          type="url"
          inputmode="url"
          autocomplete="off"
          placeholder="https://www.youtube.com/watch?v=…"
          value={url()}
          onInput={(e) => setUrl(e.currentTarget.value)}
          aria-invalid={error() ? 'true' : undefined}
          aria-describedby={error() ? 'download-error' : 'download-url-hint'}
          class={field}
        />
        <p id="download-url-hint" class="text-xs text-muted">
          YouTube and other supported sites, or a direct link to a video or audio file.
        </p>
      </div>
      <div class="grid gap-4 sm:grid-cols-3">
        <div class="space-y-1.5">
          <label for="download-quality" class="block text-sm font-medium text-fg">
            Quality
          </label>
          <select
            id="download-quality"
            value={quality()}
            onChange={(e) => setQuality(e.currentTarget.value)}
            class={field}
          >
            <For each={QUALITIES}>{(q) => <option value={q.id}>{q.label}</option>}</For>
          </select>
        </div>
        <div class="space-y-1.5">
          <label for="download-section" class="block text-sm font-medium text-fg">
            Plex library
          </label>
          <Switch>
            <Match when={sections().state === 'loading'}>
              <Skeleton class="h-10" />
              <span class="sr-only" role="status">
                Loading the library sections…
              </span>
            </Match>
            <Match when={ready()}>
              {(r) => (
                <select
                  id="download-section"
                  value={section()}
                  onChange={(e) => setSection(e.currentTarget.value)}
                  class={field}
                  disabled={r().sections.length === 0}
                >
                  <Show when={r().sections.length === 0}>
                    <option value="">No library section you can use</option>
                  </Show>
                  <For each={r().sections}>
                    {(s) => (
                      <option value={s.key}>
                        {s.title}
                        {r().sections.some((o) => o.serverId !== s.serverId) ? ` (${s.serverName})` : ''}
                      </option>
                    )}
                  </For>
                </select>
              )}
            </Match>
            <Match when={sections().state === 'not_configured' || sections().state === 'error'}>
              <select id="download-section" disabled class={field}>
                <option value="">Unavailable</option>
              </select>
            </Match>
          </Switch>
        </div>
        <div class="space-y-1.5">
          <label for="download-preset" class="block text-sm font-medium text-fg">
            Naming
          </label>
          <select
            id="download-preset"
            value={preset()}
            onChange={(e) => setPreset(e.currentTarget.value)}
            aria-describedby="download-preset-hint"
            class={field}
          >
            <For each={PRESETS}>{(p) => <option value={p.id}>{p.label}</option>}</For>
          </select>
          <p id="download-preset-hint" class="truncate text-xs text-muted">
            {PRESETS.find((p) => p.id === preset())?.hint}
          </p>
        </div>
      </div>

      <Switch>
        <Match when={sections().state === 'not_configured'}>
          <p class="rounded-lg bg-warn-soft px-3 py-2 text-sm text-fg" data-testid="not-configured">
            Downloads go into a Plex library, and no Plex server is connected to this household yet.{' '}
            <Show when={props.isAdmin} fallback={<>Ask an admin to connect it.</>}>
              <A
                href={`/households/${encodeURIComponent(props.hid)}/settings/integrations`}
                class="font-semibold text-accent underline"
              >
                Connect the Plex server
              </A>
            </Show>
          </p>
        </Match>
        <Match when={sections().state === 'error'}>
          <div class="flex flex-wrap items-center gap-3 rounded-lg bg-bad-soft px-3 py-2 text-sm text-fg">
            <span class="flex-1">
              Could not load the library sections: {describeError((sections() as { error: unknown }).error)}
            </span>
            <Button variant="secondary" onClick={() => void loadSections()}>
              <RefreshCw size={16} aria-hidden="true" />
              Try again
            </Button>
          </div>
        </Match>
        <Match when={ready() && ready()?.sections.length === 0}>
          <p class="rounded-lg bg-warn-soft px-3 py-2 text-sm text-fg">
            {ready()?.down ? 'The Plex server did not answer. ' : ''}You cannot see any video library section
            of the household's Plex server, so there is nowhere to put a download. Ask an admin to share one
            with you.
          </p>
        </Match>
      </Switch>

      <Show when={error()}>
        <p
          id="download-error"
          role="alert"
          class="rounded-lg bg-bad-soft px-3 py-2 text-sm text-fg"
          data-testid="download-error"
        >
          {error()}
        </p>
      </Show>
      <div class="flex justify-end">
        <Button type="submit" disabled={busy() || !ready() || ready()?.sections.length === 0}>
          <Show when={busy()} fallback={<Download size={16} aria-hidden="true" />}>
            <LoaderCircle size={16} class="animate-spin" aria-hidden="true" />
          </Show>
          Download
        </Button>
      </div>
    </form>
  );
}
