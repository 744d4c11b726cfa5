/**
 * Posters and backdrops through the image route: a fixed aspect ratio box with a neutral
 * placeholder (an icon on the raised surface) until the lazily loaded image arrives, and when an
 * item has no artwork or it fails to load.
 */
import Clapperboard from 'lucide-solid/icons/clapperboard';
import Film from 'lucide-solid/icons/film';
import FolderOpen from 'lucide-solid/icons/folder-open';
import Tv from 'lucide-solid/icons/tv';
import { createSignal, Match, Show, Switch } from 'solid-js';
import { imageUrl } from './library-api.ts';

/** The fixed sizes the image route serves (packages/core/src/library/image.ts). */
const SIZES = {
  poster: [
    [200, 300],
    [400, 600],
  ],
  small: [
    [100, 150],
    [200, 300],
  ],
  large: [
    [300, 450],
    [600, 900],
  ],
  backdrop: [
    [960, 540],
    [1920, 1080],
  ],
  thumb: [
    [480, 270],
    [960, 540],
  ],
} as const;

export type PosterSize = keyof typeof SIZES;

export function TypeIcon(props: { type: string; size?: number; class?: string }) {
  return (
    <Switch fallback={<Film size={props.size ?? 28} class={props.class} aria-hidden="true" />}>
      <Match when={props.type === 'show' || props.type === 'season'}>
        <Tv size={props.size ?? 28} class={props.class} aria-hidden="true" />
      </Match>
      <Match when={props.type === 'episode'}>
        <Clapperboard size={props.size ?? 28} class={props.class} aria-hidden="true" />
      </Match>
      <Match when={props.type === 'collection'}>
        <FolderOpen size={props.size ?? 28} class={props.class} aria-hidden="true" />
      </Match>
    </Switch>
  );
}

export function Poster(props: {
  hid: string;
  serverId: string;
  path: string | null;
  type: string;
  size?: PosterSize;
  /** Decorative by default: the card's link names the item. */
  alt?: string;
  class?: string;
  /** Load at once (the detail page's poster), not when scrolled near. */
  eager?: boolean;
  /** Fill the positioned parent instead of keeping the aspect ratio (a backdrop behind content). */
  fill?: boolean;
}) {
  const [loaded, setLoaded] = createSignal(false);
  const [failed, setFailed] = createSignal(false);
  const size = () => SIZES[props.size ?? 'poster'];
  const wide = () => props.size === 'backdrop' || props.size === 'thumb';
  const url = (i: 0 | 1) => {
    const [w, h] = size()[i];
    return imageUrl(props.hid, props.serverId, props.path ?? '', w, h);
  };
  return (
    <div
      class={`overflow-hidden bg-raised ${props.fill ? 'absolute inset-0' : `relative ${wide() ? 'aspect-video' : 'aspect-[2/3]'}`} ${props.class ?? ''}`}
      data-testid="poster"
    >
      <Show when={!props.fill}>
        <div
          class="absolute inset-0 flex items-center justify-center text-muted/60 transition-opacity"
          classList={{ 'opacity-0': loaded() }}
        >
          <TypeIcon type={props.type} />
        </div>
      </Show>
      <Show when={props.path && !failed()}>
        <img
          src={url(0)}
          srcset={`${url(0)} 1x, ${url(1)} 2x`}
          alt={props.alt ?? ''}
          loading={props.eager ? 'eager' : 'lazy'}
          decoding="async"
          width={size()[0][0]}
          height={size()[0][1]}
          class="absolute inset-0 size-full object-cover transition-opacity duration-300"
          classList={{ 'opacity-0': !loaded() }}
          onLoad={() => setLoaded(true)}
          onError={() => setFailed(true)}
        />
      </Show>
    </div>
  );
}
