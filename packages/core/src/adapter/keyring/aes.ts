/**
 * The local keyring: AES-256-GCM with one key kept in a file beside the database.
 *
 * Output: `v1.<iv>.<tag>.<ciphertext>`, each part base64url; a fresh random 12-byte IV per
 * call, and the canonical context as additional authenticated data, so a secret copied to
 * another household's item (another context) fails to decrypt. The `v1` prefix leaves room
 * for a later key rotation scheme.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { AppError } from '../../error/index.ts';
import type { Keyring } from '../../port/keyring.ts';
import { canonicalContext, decryptFailed } from './context.ts';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class AesKeyring implements Keyring {
  readonly #key: Buffer;

  constructor(key: Uint8Array) {
    if (key.byteLength !== KEY_BYTES) {
      throw new AppError(
        'invalid',
        'keyring.bad_key',
        `An AES-256 key is ${KEY_BYTES} bytes, not ${key.byteLength}`,
      );
    }
    this.#key = Buffer.from(key);
  }

  /**
   * Opens the key file, creating it with a random key (mode 0600) on first start. A file of
   * any other size is refused rather than "fixed": replacing a key would orphan every secret.
   */
  static fromKeyFile(path: string): AesKeyring {
    let key: Buffer;
    try {
      key = readFileSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      const fresh = randomBytes(KEY_BYTES);
      let fd: number;
      try {
        // 'wx': if another process created it meanwhile, use theirs instead of overwriting it.
        fd = openSync(path, 'wx', 0o600);
      } catch (raced) {
        if ((raced as NodeJS.ErrnoException).code !== 'EEXIST') throw raced;
        return AesKeyring.fromKeyFile(path);
      }
      try {
        writeSync(fd, fresh);
      } finally {
        closeSync(fd);
      }
      key = fresh;
    }
    if (key.byteLength !== KEY_BYTES) {
      throw new AppError(
        'invalid',
        'keyring.bad_key_file',
        `The key file ${path} holds ${key.byteLength} bytes; a MediaNest key file holds exactly ${KEY_BYTES} random bytes. ` +
          'Restore the original file (secrets encrypted with it cannot be read without it), or move it away to start with a new key.',
      );
    }
    return new AesKeyring(key);
  }

  async encrypt(plaintext: string, context: Record<string, string>): Promise<string> {
    const [iv, tag, data] = sealGcm(this.#key, plaintext, Buffer.from(canonicalContext(context)));
    return ['v1', iv.toString('base64url'), tag.toString('base64url'), data.toString('base64url')].join('.');
  }

  async decrypt(ciphertext: string, context: Record<string, string>): Promise<string> {
    const aad = Buffer.from(canonicalContext(context));
    const parts = ciphertext.split('.');
    if (parts.length !== 4 || parts[0] !== 'v1') throw decryptFailed();
    const [iv, tag, data] = parts.slice(1).map((p) => Buffer.from(p, 'base64url'));
    if (!iv || !tag || !data || iv.byteLength !== IV_BYTES || tag.byteLength !== TAG_BYTES)
      throw decryptFailed();
    return openGcm(this.#key, iv, tag, data, aad);
  }
}

/** AES-256-GCM decryption; any failure (tag, key, data) is the one decrypt error. */
export function openGcm(
  key: Uint8Array,
  iv: Uint8Array,
  tag: Uint8Array,
  data: Uint8Array,
  aad: Uint8Array,
): string {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
  } catch (error) {
    throw decryptFailed(error);
  }
}

/** AES-256-GCM encryption with a fresh IV: [iv, tag, ciphertext]. */
export function sealGcm(key: Uint8Array, plaintext: string, aad: Uint8Array): [Buffer, Buffer, Buffer] {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad);
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [iv, cipher.getAuthTag(), data];
}

export const GCM = { KEY_BYTES, IV_BYTES, TAG_BYTES } as const;
