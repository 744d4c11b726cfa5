import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withActor } from '../actor/context.ts';
import { newId } from '../actor/id.ts';
import { createTestDeps, type TestDeps } from '../actor/testing.ts';
import { keys, memberItem } from '../household/keys.ts';
import * as Audit from './audit.ts';

let deps: TestDeps;
beforeEach(() => {
  deps = createTestDeps();
});
afterEach(() => deps.close());

const admin = newId('usr', Date.UTC(2026, 0, 1));
const member = newId('usr', Date.UTC(2026, 0, 1));
const hh = newId('hh', Date.UTC(2026, 0, 1));
const otherHh = newId('hh', Date.UTC(2026, 0, 1));

describe('audit log', () => {
  beforeEach(async () => {
    const now = deps.clock.now();
    await deps.table.put({ ...keys.household(hh), type: 'household' });
    await deps.table.put(
      memberItem(hh, admin, { role: 'admin', status: 'active', joinedVia: 'invite' }, now),
    );
    await deps.table.put(
      memberItem(hh, member, { role: 'member', status: 'active', joinedVia: 'invite' }, now),
    );
  });

  it('records standalone entries and lists them newest first, per household', async () => {
    // arrange
    await Audit.record(deps, {
      householdId: hh,
      actorId: 'system',
      action: 'integration.tested',
      after: { ok: true },
    });
    deps.clock.advance(1);
    await Audit.record(deps, { householdId: otherHh, actorId: 'system', action: 'elsewhere.happened' });
    deps.clock.advance(1);
    const last = await Audit.record(deps, {
      householdId: hh,
      actorId: admin,
      action: 'integration.updated',
      target: { type: 'household', id: hh },
      before: { url: 'http://a' },
      after: { url: 'http://b' },
    });
    // act
    const page = await withActor({ type: 'user', userId: admin, householdId: hh }, () =>
      Audit.list(deps, {}),
    );
    // assert
    expect(page.entries.map((e) => e.action)).toEqual(['integration.updated', 'integration.tested']);
    expect(page.entries[0]).toEqual(last);
    expect(last.id).toMatch(/^aud_/);
  });

  it('is for admins only', async () => {
    await expect(
      withActor({ type: 'user', userId: member, householdId: hh }, () => Audit.list(deps, {})),
    ).rejects.toMatchObject({ kind: 'forbidden' });
    await expect(
      withActor({ type: 'user', userId: admin, householdId: otherHh }, () => Audit.list(deps, {})),
    ).rejects.toMatchObject({ kind: 'not_found' });
    await expect(
      withActor({ type: 'user', userId: admin, householdId: hh }, () => Audit.list(deps, { limit: 0 })),
    ).rejects.toMatchObject({ kind: 'invalid' });
  });
});
