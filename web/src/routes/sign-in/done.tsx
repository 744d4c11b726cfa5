import CircleCheck from 'lucide-solid/icons/circle-check';
import { onMount } from 'solid-js';
import { PLEX_DONE_CHANNEL } from '../../lib/plex-pin.ts';
import { usePageTitle } from '../../lib/title.ts';

/**
 * Where plex.tv sends the sign-in popup after approval: tells the waiting page (which then polls at
 * once) and closes itself. Opened any other way, it just says what happened.
 */
export default function PlexApproved() {
  usePageTitle(() => 'Approved');
  onMount(() => {
    if (typeof BroadcastChannel !== 'undefined') {
      const channel = new BroadcastChannel(PLEX_DONE_CHANNEL);
      channel.postMessage({ type: 'approved' });
      channel.close();
    }
    // Only closes a window that a script opened (our popup); a tab the person opened stays.
    window.close();
  });
  return (
    <div class="mx-auto flex max-w-md flex-col items-center gap-3 py-16 text-center">
      <CircleCheck size={40} class="text-ok" aria-hidden="true" />
      <h1 class="text-2xl font-bold tracking-tight text-fg">Approved in Plex</h1>
      <p class="text-sm text-muted">You can close this window and go back to MediaNest.</p>
    </div>
  );
}
