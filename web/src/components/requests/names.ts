import { createSignal, onMount } from 'solid-js';
import { getMembers, memberName } from '../../lib/identity.ts';
import { me } from '../../lib/session.ts';
import { getPeople } from './api.ts';

/**
 * Names for user ids on request pages. Every member may read the active members' names
 * (`GET …/people`); admins who manage members read the full list instead, so requests of
 * suspended members keep their names for them. Anyone else (someone who left) is "A member".
 */
export function createMemberNames(hid: () => string, canList: () => boolean) {
  const [names, setNames] = createSignal<ReadonlyMap<string, string>>(new Map());
  const [members, setMembers] = createSignal<{ id: string; name: string }[]>([]);
  onMount(() => {
    const read: Promise<{ id: string; name: string; active: boolean }[]> = canList()
      ? getMembers(hid()).then((list) =>
          list.map((m) => ({ id: m.userId, name: memberName(m), active: m.status === 'active' })),
        )
      : getPeople(hid()).then((list) => list.map((p) => ({ id: p.userId, name: p.name, active: true })));
    read
      .then((list) => {
        setNames(new Map(list.map((m) => [m.id, m.name])));
        setMembers(
          list
            .filter((m) => m.active)
            .map(({ id, name }) => ({ id, name }))
            .sort((a, b) => a.name.localeCompare(b.name)),
        );
      })
      // Names are a courtesy; the lists work without them.
      .catch(() => {});
  });
  /** `fallback` names someone whose name this viewer cannot read ("An admin" for decisions). */
  const nameOf = (userId: string | null, fallback = 'A member'): string => {
    if (!userId) return 'Someone';
    if (userId === 'overseerr') return 'Overseerr';
    if (userId === me()?.user.id) return 'You';
    return names().get(userId) ?? fallback;
  };
  return { nameOf, members };
}
