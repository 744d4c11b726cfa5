/**
 * The Keyring port's contract, run against every adapter: what goes in comes out, but only
 * under the same context, never after tampering, and never the same ciphertext twice.
 */
import { describe, expect, it } from 'vitest';
import type { Keyring } from '../../port/keyring.ts';

const decryptFailed = { name: 'AppError', kind: 'invalid', code: 'keyring.decrypt_failed' };

/** Flips one bit in the given dot-separated base64url part of a ciphertext. */
export function tamper(ciphertext: string, part: number, byte = 0): string {
  const parts = ciphertext.split('.');
  const bytes = Buffer.from(parts[part] ?? '', 'base64url');
  if (bytes.length === 0) throw new Error(`part ${part} is empty`);
  bytes[byte % bytes.length]! ^= 0x01;
  parts[part] = bytes.toString('base64url');
  return parts.join('.');
}

/**
 * `make` returns a fresh keyring with its own key each call (so a ciphertext from one must not
 * open in another); `parts` is how many dot-separated parts a ciphertext has.
 */
export function keyringContract(adapter: string, make: () => Keyring, parts: number): void {
  describe(`Keyring contract: ${adapter}`, () => {
    const ctx = { householdId: 'hh_1', integrationId: 'int_1' };

    it('round-trips secrets, including empty and non-ASCII ones', async () => {
      const keyring = make();
      for (const secret of ['plex-token-123', '', 'pässwörd 🔑 ключ', 'x'.repeat(10_000)]) {
        const ciphertext = await keyring.encrypt(secret, ctx);
        expect(ciphertext).not.toContain(secret || '\u0000');
        expect(ciphertext.split('.')).toHaveLength(parts);
        expect(await keyring.decrypt(ciphertext, ctx)).toBe(secret);
      }
    });

    it('treats the context as a set of names: key order does not matter', async () => {
      const keyring = make();
      const ciphertext = await keyring.encrypt('s', { a: '1', b: '2' });
      expect(await keyring.decrypt(ciphertext, { b: '2', a: '1' })).toBe('s');
    });

    it('refuses to decrypt under any other context', async () => {
      // arrange
      const keyring = make();
      const ciphertext = await keyring.encrypt('secret', ctx);
      // act + assert
      const others: Record<string, string>[] = [
        { ...ctx, householdId: 'hh_2' },
        { householdId: 'hh_1' },
        { ...ctx, extra: 'x' },
        {},
        { householdId: 'hh_1', integrationid: 'int_1' },
      ];
      for (const other of others) {
        await expect(keyring.decrypt(ciphertext, other)).rejects.toMatchObject(decryptFailed);
      }
    });

    it('refuses a ciphertext with any part tampered with', async () => {
      const keyring = make();
      const ciphertext = await keyring.encrypt('secret', ctx);
      for (let part = 1; part < parts; part++) {
        for (const byte of [0, 5]) {
          await expect(keyring.decrypt(tamper(ciphertext, part, byte), ctx)).rejects.toMatchObject(
            decryptFailed,
          );
        }
      }
      const fields = ciphertext.split('.');
      for (const broken of [
        '',
        'garbage',
        fields.slice(0, -1).join('.'),
        [...fields, 'x'].join('.'),
        ['v0', ...fields.slice(1)].join('.'),
        ciphertext.slice(0, -4),
      ]) {
        await expect(keyring.decrypt(broken, ctx)).rejects.toMatchObject(decryptFailed);
      }
      expect(await keyring.decrypt(ciphertext, ctx)).toBe('secret');
    });

    it('gives different ciphertexts for equal plaintexts', async () => {
      const keyring = make();
      const seen = new Set<string>();
      for (let i = 0; i < 20; i++) seen.add(await keyring.encrypt('same', ctx));
      expect(seen.size).toBe(20);
    });

    it('does not open what another key sealed', async () => {
      const ciphertext = await make().encrypt('secret', ctx);
      await expect(make().decrypt(ciphertext, ctx)).rejects.toMatchObject(decryptFailed);
    });
  });
}
