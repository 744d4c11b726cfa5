/**
 * Toasts for results of actions ("Request sent", "Could not approve: …"). Built on Kobalte's toast,
 * which owns the live region, focus hotkey (F8), pause-on-hover and swipe to dismiss.
 */
import { Toast, toaster } from '@kobalte/core/toast';
import CircleAlert from 'lucide-solid/icons/circle-alert';
import CircleCheck from 'lucide-solid/icons/circle-check';
import Info from 'lucide-solid/icons/info';
import X from 'lucide-solid/icons/x';
import { Match, Switch } from 'solid-js';
import { Portal } from 'solid-js/web';

export type ToastTone = 'info' | 'success' | 'error';

export interface ToastInput {
  title: string;
  description?: string;
  tone?: ToastTone;
  /** ms; errors stay longer by default because they usually need reading. */
  duration?: number;
}

export function showToast(input: ToastInput): number {
  const tone = input.tone ?? 'info';
  return toaster.show((props) => (
    <Toast
      as="div"
      toastId={props.toastId}
      duration={input.duration ?? (tone === 'error' ? 10_000 : 5_000)}
      class="mn-toast flex items-start gap-3 rounded-xl border border-line bg-raised p-4 text-fg shadow-2xl shadow-black/30"
    >
      <span
        aria-hidden="true"
        classList={{
          'mt-0.5 shrink-0': true,
          'text-ok': tone === 'success',
          'text-bad': tone === 'error',
          'text-accent': tone === 'info',
        }}
      >
        <Switch>
          <Match when={tone === 'success'}>
            <CircleCheck size={18} />
          </Match>
          <Match when={tone === 'error'}>
            <CircleAlert size={18} />
          </Match>
          <Match when={tone === 'info'}>
            <Info size={18} />
          </Match>
        </Switch>
      </span>
      <div class="min-w-0 flex-1">
        <Toast.Title class="text-sm font-semibold">{input.title}</Toast.Title>
        {input.description && (
          <Toast.Description class="mt-0.5 text-sm text-muted">{input.description}</Toast.Description>
        )}
      </div>
      <Toast.CloseButton
        class="-m-1 rounded-md p-1 text-muted hover:bg-surface hover:text-fg"
        aria-label="Dismiss notification"
      >
        <X size={16} />
      </Toast.CloseButton>
    </Toast>
  ));
}

export function ToastRegion() {
  return (
    <Portal>
      <Toast.Region aria-label="Notifications" limit={4} swipeDirection="right">
        {/* Not a list: Kobalte gives each toast role="status", which an <li> inside an <ol> may not have (axe: list). */}
        <Toast.List as="div" class="mn-toast-list" />
      </Toast.Region>
    </Portal>
  );
}
