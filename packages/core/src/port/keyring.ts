/**
 * Keyring port: encrypt secrets at rest (Plex tokens, API keys). The context is bound into the
 * ciphertext (AES-GCM additional data / KMS encryption context), so a secret copied to another
 * household's item fails to decrypt.
 */
export interface Keyring {
  encrypt(plaintext: string, context: Record<string, string>): Promise<string>;
  decrypt(ciphertext: string, context: Record<string, string>): Promise<string>;
}
