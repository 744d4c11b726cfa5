/** "All titles" and "Collections" of one section. */
import { A } from '@solidjs/router';
import { links } from './library-api.ts';

export function SectionTabs(props: {
  hid: string;
  serverId: string;
  sectionKey: string;
  current: 'items' | 'collections';
}) {
  const tab = (active: boolean) =>
    `-mb-px inline-block border-b-2 px-3 py-2 text-sm font-medium whitespace-nowrap ${
      active ? 'border-accent text-fg' : 'border-transparent text-muted hover:text-fg'
    }`;
  return (
    <nav aria-label="Section">
      <ul class="flex gap-1 border-b border-line">
        <li>
          <A
            href={links.section(props.hid, props.serverId, props.sectionKey)}
            class={tab(props.current === 'items')}
            aria-current={props.current === 'items' ? 'page' : undefined}
            end
          >
            All titles
          </A>
        </li>
        <li>
          <A
            href={links.sectionCollections(props.hid, props.serverId, props.sectionKey)}
            class={tab(props.current === 'collections')}
            aria-current={props.current === 'collections' ? 'page' : undefined}
          >
            Collections
          </A>
        </li>
      </ul>
    </nav>
  );
}
