export { AesKeyring } from './aes.ts';
export { canonicalContext } from './context.ts';
export { KmsKeyring, type KmsKeyringOptions } from './kms.ts';
