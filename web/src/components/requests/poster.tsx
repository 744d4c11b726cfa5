import Clapperboard from 'lucide-solid/icons/clapperboard';
import { createSignal, Show } from 'solid-js';

/**
 * A poster at a fixed 2:3 ratio, loaded lazily over a neutral placeholder; a missing or broken
 * image leaves the placeholder with the title's initial instead of a broken-image icon.
 */
export function Poster(props: { url: string | null; title: string; class?: string }) {
  const [failed, setFailed] = createSignal(false);
  return (
    <div
      class={`relative aspect-[2/3] overflow-hidden rounded-xl bg-raised ${props.class ?? ''}`}
      data-testid="poster"
    >
      <div
        class="absolute inset-0 flex flex-col items-center justify-center gap-1 text-muted"
        aria-hidden="true"
      >
        <Clapperboard size={22} />
        <span class="text-lg font-semibold">{props.title.slice(0, 1).toUpperCase()}</span>
      </div>
      <Show when={props.url && !failed()}>
        <img
          src={props.url ?? ''}
          alt=""
          loading="lazy"
          decoding="async"
          referrerpolicy="no-referrer"
          onError={() => setFailed(true)}
          class="absolute inset-0 size-full object-cover"
        />
      </Show>
    </div>
  );
}
