import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AesKeyring } from './aes.ts';
import { keyringContract } from './keyring.contract.ts';

keyringContract('AesKeyring', () => new AesKeyring(randomBytes(32)), 4);

describe('AesKeyring key file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mn-keyring-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates a random 32-byte key file, readable by its owner only, on first start', async () => {
    // arrange
    const path = join(dir, 'nested', 'keyring.key');
    // act
    const first = AesKeyring.fromKeyFile(path);
    const ciphertext = await first.encrypt('token', { householdId: 'h' });
    const again = AesKeyring.fromKeyFile(path);
    // assert
    expect(statSync(path).size).toBe(32);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(await again.decrypt(ciphertext, { householdId: 'h' })).toBe('token');
    expect(ciphertext.startsWith('v1.')).toBe(true);
  });

  it('gives each new key file its own key', () => {
    AesKeyring.fromKeyFile(join(dir, 'a.key'));
    AesKeyring.fromKeyFile(join(dir, 'b.key'));
    expect(readFileSync(join(dir, 'a.key')).equals(readFileSync(join(dir, 'b.key')))).toBe(false);
  });

  it('refuses a key file of the wrong size, and leaves it alone', () => {
    const path = join(dir, 'short.key');
    writeFileSync(path, 'not a key\n');
    expect(() => AesKeyring.fromKeyFile(path)).toThrow(/holds 10 bytes.*exactly 32/);
    expect(() => AesKeyring.fromKeyFile(path)).toThrow(
      expect.objectContaining({ code: 'keyring.bad_key_file' }),
    );
    expect(readFileSync(path, 'utf8')).toBe('not a key\n');
  });

  it('refuses a raw key of the wrong size', () => {
    expect(() => new AesKeyring(randomBytes(16))).toThrow(
      expect.objectContaining({ code: 'keyring.bad_key' }),
    );
  });
});
