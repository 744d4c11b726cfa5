import { Dialog } from '@kobalte/core/dialog';
import LoaderCircle from 'lucide-solid/icons/loader-circle';
import { createSignal, Show } from 'solid-js';
import { describeError } from '../../lib/api.ts';
import { Button } from '../states.tsx';
import { decideRequest, type MediaRequest, titleWithYear } from './api.ts';

/**
 * "Decline with a reason": the reason is optional and the requester reads it in their
 * notification. One dialog per page: `ask(request)` opens it; `onDone` receives the result.
 */
export function createDeclineDialog(hid: () => string, onDone: (r: MediaRequest) => void) {
  const [target, setTarget] = createSignal<MediaRequest | null>(null);
  const [reason, setReason] = createSignal('');
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);

  const ask = (r: MediaRequest) => {
    setReason('');
    setError(null);
    setTarget(r);
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    const r = target();
    if (!r) return;
    setBusy(true);
    setError(null);
    try {
      const out = await decideRequest(hid(), r.id, 'decline', reason().trim() || undefined);
      setTarget(null);
      onDone(out);
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  const View = () => (
    <Dialog
      open={target() !== null}
      onOpenChange={(open) => {
        if (!open && !busy()) setTarget(null);
      }}
    >
      <Dialog.Portal>
        <Dialog.Overlay class="fixed inset-0 z-50 bg-black/60 backdrop-blur-sm" />
        <div class="fixed inset-0 z-50 flex items-end justify-center p-4 sm:items-center">
          <Dialog.Content
            class="w-full max-w-md rounded-2xl border border-line bg-surface p-5 text-fg shadow-2xl shadow-black/40 sm:p-6"
            data-testid="decline-dialog"
          >
            <Dialog.Title class="text-lg font-semibold">
              Decline {target() ? titleWithYear(target() as MediaRequest) : ''}?
            </Dialog.Title>
            <Dialog.Description class="mt-1 text-sm text-muted">
              The request is declined in Overseerr too, and the member gets their quota back.
            </Dialog.Description>
            <form onSubmit={submit} class="mt-4 space-y-4">
              <div>
                <label for="decline-reason" class="text-sm font-medium text-fg">
                  Reason (optional, the member reads it)
                </label>
                <textarea
                  id="decline-reason"
                  rows={3}
                  maxLength={500}
                  value={reason()}
                  onInput={(e) => setReason(e.currentTarget.value)}
                  class="mt-1 w-full rounded-lg border border-line bg-canvas px-3 py-2 text-sm text-fg"
                />
              </div>
              <Show when={error()}>
                <p role="alert" class="rounded-lg bg-bad-soft p-3 text-sm text-fg">
                  {error()}
                </p>
              </Show>
              <div class="flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">
                <Button variant="secondary" disabled={busy()} onClick={() => setTarget(null)}>
                  Cancel
                </Button>
                <Button type="submit" disabled={busy()} class="!bg-bad !text-canvas">
                  <Show when={busy()}>
                    <LoaderCircle size={16} class="animate-spin" aria-hidden="true" />
                  </Show>
                  Decline
                </Button>
              </div>
            </form>
          </Dialog.Content>
        </div>
      </Dialog.Portal>
    </Dialog>
  );

  return { ask, View };
}
