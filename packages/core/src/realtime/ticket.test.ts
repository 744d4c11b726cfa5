import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqlite } from '../adapter/sqlite/db.ts';
import { SqliteTable } from '../adapter/table/sqlite.ts';
import { AppError } from '../error/index.ts';
import { FakeClock } from '../port/clock.ts';
import type { Table } from '../port/table.ts';
import { consumeTicket, issueTicket, TICKET_TTL_SECONDS } from './ticket.ts';

const scope = { userId: 'usr_01JD3Q7Z5V2K8M4N6P0R9S1T2W', householdId: 'hh_01JD3Q8A1B2C3D4E5F6G7H8J9K' };

describe('WebSocket tickets (SQLite table)', () => {
  let dir: string;
  let db: ReturnType<typeof openSqlite>;
  let clock: FakeClock;
  let table: Table;
  let system: { table: Table; clock: FakeClock };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'medianest-ticket-'));
    db = openSqlite(join(dir, 'medianest.db'));
    clock = new FakeClock(Date.UTC(2026, 10, 26, 6, 40));
    table = new SqliteTable(db, { clock });
    system = { table, clock };
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('issues a ticket that redeems once for its scope', async () => {
    // arrange
    const issued = await issueTicket(system, scope);
    // act
    const first = await consumeTicket(system, issued.ticket);
    const second = await consumeTicket(system, issued.ticket);
    // assert
    expect(issued.ticket).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(issued.expiresAt).toBe(clock.now() + TICKET_TTL_SECONDS * 1000);
    expect(first).toEqual(scope);
    expect(second).toBeUndefined();
  });

  it('stores only a hash of the ticket, with a TTL', async () => {
    const issued = await issueTicket(system, scope);
    const rows = db.prepare('SELECT pk, sk, ttl, data FROM tbl_items').all() as {
      pk: string;
      data: string;
      ttl: number;
    }[];
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(issued.ticket);
    expect(rows[0]!.pk).toMatch(/^WST#[0-9a-f]{64}$/);
    expect(rows[0]!.ttl).toBe(Math.ceil(issued.expiresAt / 1000));
  });

  it('accepts a ticket until its 60 s are up and refuses it after', async () => {
    const early = await issueTicket(system, scope);
    const late = await issueTicket(system, scope);
    clock.advance(TICKET_TTL_SECONDS * 1000 - 1);
    expect(await consumeTicket(system, early.ticket)).toEqual(scope);
    clock.advance(1);
    expect(await consumeTicket(system, late.ticket)).toBeUndefined();
  });

  it('lets exactly one of several concurrent connects win', async () => {
    const issued = await issueTicket(system, scope);
    const results = await Promise.all(Array.from({ length: 8 }, () => consumeTicket(system, issued.ticket)));
    expect(results.filter((r) => r !== undefined)).toEqual([scope]);
  });

  it('refuses unknown and malformed tickets alike', async () => {
    await issueTicket(system, scope);
    for (const bad of ['', 'x', 'A'.repeat(43), `${'A'.repeat(42)}=`, 'A'.repeat(44), '../../etc/passwd']) {
      expect(await consumeTicket(system, bad)).toBeUndefined();
    }
  });

  it('rejects a scope the realtime adapters could not key (empty, "#")', async () => {
    for (const bad of [
      { userId: '', householdId: 'h1' },
      { userId: 'u1', householdId: 'h1#x' },
    ]) {
      await expect(issueTicket(system, bad)).rejects.toSatisfy(
        (e) => e instanceof AppError && e.kind === 'invalid' && e.code === 'realtime.invalid_scope',
      );
    }
  });
});
