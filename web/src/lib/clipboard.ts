import { showToast } from './toast.tsx';

/**
 * Copies `text` and says so in a toast. Clipboard access needs permission or a secure context;
 * when it is refused the toast asks the user to copy by hand (the text stays selectable on screen).
 * `thing` names what failed to copy in that sentence ("the link", "the text").
 */
export async function copyWithToast(text: string, copiedTitle: string, thing = 'the text'): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    showToast({ title: copiedTitle, tone: 'success', duration: 2000 });
    return true;
  } catch {
    showToast({
      title: 'Could not copy',
      description: `Select ${thing} and copy it by hand.`,
      tone: 'error',
    });
    return false;
  }
}
