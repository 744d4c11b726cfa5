/**
 * The AWS keyring: KMS envelope encryption. Each secret gets its own data key from
 * GenerateDataKey (AES_256) with the context as KMS encryption context; the secret is sealed
 * locally with AES-256-GCM (context as additional data too) and stored beside the encrypted
 * data key: `k1.<encrypted data key>.<iv>.<tag>.<ciphertext>`, each part base64url.
 *
 * Decrypting asks KMS to decrypt the data key under the same encryption context, so a wrong
 * context fails in KMS (and is audited there). Decrypted data keys are cached briefly, keyed by
 * encrypted key and context, because a page of integrations decrypts many secrets at once.
 */
import { DecryptCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { AppError } from '../../error/index.ts';
import { type Clock, systemClock } from '../../port/clock.ts';
import type { Keyring } from '../../port/keyring.ts';
import { GCM, openGcm, sealGcm } from './aes.ts';
import { canonicalContext, decryptFailed } from './context.ts';

export interface KmsKeyringOptions {
  client: KMSClient;
  keyId: string;
  /** How long a decrypted data key is kept in memory (default 5 minutes; 0 disables). */
  cacheTtlMs?: number;
  /** Most data keys kept (default 1000); the oldest goes first. */
  cacheSize?: number;
  clock?: Clock;
}

/** KMS errors that mean "this ciphertext does not open", as opposed to "KMS is unreachable". */
const REFUSALS = new Set(['InvalidCiphertextException', 'IncorrectKeyException', 'AccessDeniedException']);

export class KmsKeyring implements Keyring {
  readonly #client: KMSClient;
  readonly #keyId: string;
  readonly #ttlMs: number;
  readonly #size: number;
  readonly #clock: Clock;
  readonly #cache = new Map<string, { key: Uint8Array; expiresAt: number }>();

  constructor(options: KmsKeyringOptions) {
    this.#client = options.client;
    this.#keyId = options.keyId;
    this.#ttlMs = options.cacheTtlMs ?? 5 * 60_000;
    this.#size = options.cacheSize ?? 1000;
    this.#clock = options.clock ?? systemClock;
  }

  async encrypt(plaintext: string, context: Record<string, string>): Promise<string> {
    const aad = canonicalContext(context);
    let out: { Plaintext?: Uint8Array | undefined; CiphertextBlob?: Uint8Array | undefined };
    try {
      out = await this.#client.send(
        new GenerateDataKeyCommand({ KeyId: this.#keyId, KeySpec: 'AES_256', EncryptionContext: context }),
      );
    } catch (cause) {
      throw new AppError('unavailable', 'keyring.unavailable', 'KMS GenerateDataKey failed', { cause });
    }
    if (out.Plaintext?.byteLength !== GCM.KEY_BYTES || !out.CiphertextBlob) {
      throw new AppError('unavailable', 'keyring.unavailable', 'KMS GenerateDataKey returned no usable key');
    }
    const edk = Buffer.from(out.CiphertextBlob).toString('base64url');
    const [iv, tag, data] = sealGcm(out.Plaintext, plaintext, Buffer.from(aad));
    this.#remember(`${edk}\n${aad}`, out.Plaintext);
    return ['k1', edk, iv.toString('base64url'), tag.toString('base64url'), data.toString('base64url')].join(
      '.',
    );
  }

  async decrypt(ciphertext: string, context: Record<string, string>): Promise<string> {
    const aad = canonicalContext(context);
    const parts = ciphertext.split('.');
    if (parts.length !== 5 || parts[0] !== 'k1' || !parts[1]) throw decryptFailed();
    const [edk, iv, tag, data] = parts.slice(1).map((p) => Buffer.from(p, 'base64url'));
    if (!edk || !iv || !tag || !data || iv.byteLength !== GCM.IV_BYTES || tag.byteLength !== GCM.TAG_BYTES) {
      throw decryptFailed();
    }
    const key = await this.#dataKey(parts[1], edk, context, aad);
    return openGcm(key, iv, tag, data, Buffer.from(aad));
  }

  async #dataKey(
    edkText: string,
    edk: Uint8Array,
    context: Record<string, string>,
    aad: string,
  ): Promise<Uint8Array> {
    const cacheKey = `${edkText}\n${aad}`;
    const hit = this.#cache.get(cacheKey);
    if (hit && hit.expiresAt > this.#clock.now()) return hit.key;
    this.#cache.delete(cacheKey);
    let plaintext: Uint8Array | undefined;
    try {
      const out = await this.#client.send(
        new DecryptCommand({ KeyId: this.#keyId, CiphertextBlob: edk, EncryptionContext: context }),
      );
      plaintext = out.Plaintext;
    } catch (cause) {
      if (REFUSALS.has((cause as { name?: string }).name ?? '')) throw decryptFailed(cause);
      throw new AppError('unavailable', 'keyring.unavailable', 'KMS Decrypt failed', { cause });
    }
    if (plaintext?.byteLength !== GCM.KEY_BYTES) throw decryptFailed();
    this.#remember(cacheKey, plaintext);
    return plaintext;
  }

  #remember(cacheKey: string, key: Uint8Array): void {
    if (this.#ttlMs <= 0) return;
    this.#cache.delete(cacheKey);
    this.#cache.set(cacheKey, { key: Uint8Array.from(key), expiresAt: this.#clock.now() + this.#ttlMs });
    while (this.#cache.size > this.#size) {
      const oldest = this.#cache.keys().next().value;
      if (oldest === undefined) break;
      this.#cache.delete(oldest);
    }
  }
}
