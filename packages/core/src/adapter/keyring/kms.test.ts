import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import {
  DecryptCommand,
  GenerateDataKeyCommand,
  InvalidCiphertextException,
  KMSClient,
  KMSInternalException,
} from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../port/clock.ts';
import { canonicalContext } from './context.ts';
import { keyringContract } from './keyring.contract.ts';
import { KmsKeyring } from './kms.ts';

const KEY_ID = 'arn:aws:kms:eu-west-1:111122223333:key/test';

/**
 * A KMS stand-in on aws-sdk-client-mock that really encrypts data keys with its own master key
 * and binds the encryption context, so a wrong context or a forged data key fails in "KMS".
 */
function mockedKms() {
  const master = randomBytes(32);
  const client = new KMSClient({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
  });
  const mock = mockClient(client);
  const refuse = () => new InvalidCiphertextException({ message: 'invalid ciphertext', $metadata: {} });
  mock.on(GenerateDataKeyCommand).callsFake((input) => {
    if (input.KeySpec !== 'AES_256') throw new Error(`unexpected KeySpec ${input.KeySpec}`);
    const plaintext = randomBytes(32);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', master, iv);
    cipher.setAAD(Buffer.from(`${input.KeyId}\n${canonicalContext(input.EncryptionContext ?? {})}`));
    const sealed = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return {
      KeyId: input.KeyId,
      Plaintext: new Uint8Array(plaintext),
      CiphertextBlob: new Uint8Array(Buffer.concat([iv, cipher.getAuthTag(), sealed])),
    };
  });
  mock.on(DecryptCommand).callsFake((input) => {
    const blob = Buffer.from(input.CiphertextBlob ?? new Uint8Array());
    if (blob.length !== 12 + 16 + 32) throw refuse();
    try {
      const decipher = createDecipheriv('aes-256-gcm', master, blob.subarray(0, 12));
      decipher.setAAD(Buffer.from(`${input.KeyId}\n${canonicalContext(input.EncryptionContext ?? {})}`));
      decipher.setAuthTag(blob.subarray(12, 28));
      const plaintext = Buffer.concat([decipher.update(blob.subarray(28)), decipher.final()]);
      return { KeyId: input.KeyId, Plaintext: new Uint8Array(plaintext) };
    } catch {
      throw refuse();
    }
  });
  return { client, mock };
}

keyringContract(
  'KmsKeyring (KMS mocked with aws-sdk-client-mock, data keys really encrypted)',
  () => new KmsKeyring({ client: mockedKms().client, keyId: KEY_ID }),
  5,
);

describe('KmsKeyring envelope (KMS mocked with aws-sdk-client-mock)', () => {
  const ctx = { householdId: 'hh_1', integrationId: 'int_1' };

  it('asks KMS for an AES-256 data key under the context, and decrypts it under the same context', async () => {
    // arrange
    const { client, mock } = mockedKms();
    const writer = new KmsKeyring({ client, keyId: KEY_ID });
    const reader = new KmsKeyring({ client, keyId: KEY_ID });
    // act
    const ciphertext = await writer.encrypt('secret', ctx);
    const plaintext = await reader.decrypt(ciphertext, ctx);
    // assert
    expect(plaintext).toBe('secret');
    expect(mock.commandCalls(GenerateDataKeyCommand).map((c) => c.args[0].input)).toEqual([
      { KeyId: KEY_ID, KeySpec: 'AES_256', EncryptionContext: ctx },
    ]);
    const decrypts = mock.commandCalls(DecryptCommand).map((c) => c.args[0].input);
    expect(decrypts).toHaveLength(1);
    expect(decrypts[0]).toMatchObject({ KeyId: KEY_ID, EncryptionContext: ctx });
    expect(ciphertext.startsWith('k1.')).toBe(true);
  });

  it('caches decrypted data keys briefly, per data key and context', async () => {
    // arrange
    const { client, mock } = mockedKms();
    const clock = new FakeClock();
    const ciphertext = await new KmsKeyring({ client, keyId: KEY_ID }).encrypt('secret', ctx);
    const reader = new KmsKeyring({ client, keyId: KEY_ID, clock, cacheTtlMs: 60_000 });
    // act
    await reader.decrypt(ciphertext, ctx);
    await reader.decrypt(ciphertext, ctx);
    clock.advance(59_999);
    await reader.decrypt(ciphertext, ctx);
    const withinTtl = mock.commandCalls(DecryptCommand).length;
    clock.advance(1);
    await reader.decrypt(ciphertext, ctx);
    // a cached key is never a way around the context check
    await expect(reader.decrypt(ciphertext, { ...ctx, householdId: 'hh_2' })).rejects.toMatchObject({
      code: 'keyring.decrypt_failed',
    });
    // assert
    expect(withinTtl).toBe(1);
    expect(mock.commandCalls(DecryptCommand)).toHaveLength(3);
  });

  it('reports KMS being down as "unavailable", not as a bad secret', async () => {
    const { client, mock } = mockedKms();
    const ciphertext = await new KmsKeyring({ client, keyId: KEY_ID }).encrypt('secret', ctx);
    mock.on(DecryptCommand).rejects(new KMSInternalException({ message: 'down', $metadata: {} }));
    mock.on(GenerateDataKeyCommand).rejects(new KMSInternalException({ message: 'down', $metadata: {} }));
    const keyring = new KmsKeyring({ client, keyId: KEY_ID });
    await expect(keyring.decrypt(ciphertext, ctx)).rejects.toMatchObject({ kind: 'unavailable' });
    await expect(keyring.encrypt('x', ctx)).rejects.toMatchObject({ kind: 'unavailable' });
  });
});
