import { AlertDialog } from '@kobalte/core/alert-dialog';
import LoaderCircle from 'lucide-solid/icons/loader-circle';
import { createSignal, type JSX, Show } from 'solid-js';
import { describeError } from '../lib/api.ts';
import { showToast } from '../lib/toast.tsx';
import { Button } from './states.tsx';

export interface ConfirmRequest {
  title: string;
  body: JSX.Element;
  confirmLabel: string;
  /** Destructive actions get the "bad" colour on the confirm button. */
  danger?: boolean;
  action: () => Promise<void>;
}

/**
 * One confirmation dialog a page can reuse: `ask({...})` opens it, the action runs on confirm and the
 * dialog stays open (busy) until it settles; a failure is shown as a toast and leaves it open to retry.
 */
export function createConfirm() {
  const [request, setRequest] = createSignal<ConfirmRequest | null>(null);
  const [busy, setBusy] = createSignal(false);

  const ask = (r: ConfirmRequest) => setRequest(r);

  const Dialog = () => (
    <AlertDialog
      open={request() !== null}
      onOpenChange={(open) => {
        if (!open && !busy()) setRequest(null);
      }}
    >
      <AlertDialog.Portal>
        <AlertDialog.Overlay class="fixed inset-0 z-50 bg-black/60 backdrop-blur-sm" />
        <div class="fixed inset-0 z-50 flex items-end justify-center p-4 sm:items-center">
          <AlertDialog.Content
            class="w-full max-w-md rounded-2xl border border-line bg-surface p-5 text-fg shadow-2xl shadow-black/40 sm:p-6"
            data-testid="confirm-dialog"
          >
            <AlertDialog.Title class="text-lg font-semibold">{request()?.title}</AlertDialog.Title>
            <AlertDialog.Description as="div" class="mt-2 text-sm text-muted">
              {request()?.body}
            </AlertDialog.Description>
            <div class="mt-6 flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">
              {/* Not Kobalte's CloseButton: it is labelled "Dismiss", which does not match the visible "Cancel". */}
              <Button variant="secondary" disabled={busy()} onClick={() => setRequest(null)}>
                Cancel
              </Button>
              <Button
                disabled={busy()}
                class={request()?.danger ? '!bg-bad !text-canvas' : ''}
                onClick={async () => {
                  const r = request();
                  if (!r) return;
                  setBusy(true);
                  try {
                    await r.action();
                    setRequest(null);
                  } catch (err) {
                    showToast({
                      title: `${r.confirmLabel} failed`,
                      description: describeError(err),
                      tone: 'error',
                    });
                  } finally {
                    setBusy(false);
                  }
                }}
              >
                <Show when={busy()}>
                  <LoaderCircle size={16} class="animate-spin" aria-hidden="true" />
                </Show>
                {request()?.confirmLabel}
              </Button>
            </div>
          </AlertDialog.Content>
        </div>
      </AlertDialog.Portal>
    </AlertDialog>
  );

  return { ask, Dialog };
}
