import { createSignal, onMount } from 'solid-js';
import { getMembers, memberName } from '../../lib/identity.ts';
import { me } from '../../lib/session.ts';

/**
 * Names for user ids on request pages. Only admins who may manage members can read the member
 * list; everyone else sees "You" for themselves and "A member" for others.
 */
export function createMemberNames(hid: () => string, canList: () => boolean) {
  const [names, setNames] = createSignal<ReadonlyMap<string, string>>(new Map());
  const [members, setMembers] = createSignal<{ id: string; name: string }[]>([]);
  onMount(() => {
    if (!canList()) return;
    getMembers(hid())
      .then((list) => {
        setNames(new Map(list.map((m) => [m.userId, memberName(m)])));
        setMembers(
          list
            .filter((m) => m.status === 'active')
            .map((m) => ({ id: m.userId, name: memberName(m) }))
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
