import { A } from '@solidjs/router';
import Compass from 'lucide-solid/icons/compass';
import { EmptyState } from '../components/states.tsx';
import { usePageTitle } from '../lib/title.ts';

export default function NotFound() {
  usePageTitle(() => 'Page not found');
  return (
    <div class="space-y-6">
      <h1 class="text-2xl font-bold tracking-tight text-fg">Page not found</h1>
      <EmptyState icon={<Compass size={40} />} title="There is nothing at this address">
        <p>It may have moved, or the link was mistyped.</p>
        <A
          href="/"
          class="mt-4 inline-flex items-center rounded-lg bg-accent px-4 py-2 text-sm font-semibold text-accent-fg hover:brightness-110"
        >
          Back to Home
        </A>
      </EmptyState>
    </div>
  );
}
