// Webhook signing secrets are sealed at rest (AES-256-GCM) with SECRETS_KEY, so the database file, and
// every backup of it, holds no usable secret without the key. A sealed value reads
//   v1:<key id>:<iv>:<ciphertext>:<tag>      (the last three base64url)
// The key id (the first 8 bytes of SHA-256 of the key, hex) tells which key sealed a value, so a later
// rotation of SECRETS_KEY can keep the old key for reading; it is also the GCM additional data.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export const SECRETS_KEY_BYTES = 32;
const VERSION = 'v1';

/** A sealed value that cannot be opened: another key, or altered, or not sealed at all. */
export class SealedSecretError extends Error {}

export interface SecretBox {
  /** Which key this box seals with (the id inside every value it seals). */
  keyId: string;
  seal(plain: string): string;
  unseal(sealed: string): string;
}

/** Reads SECRETS_KEY: 32 bytes as base64 or base64url (`openssl rand -base64 32`). Throws a message without the value. */
export function parseSecretsKey(text: string): Buffer {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed))
    throw new Error('must be 32 random bytes in base64 (openssl rand -base64 32); it has characters base64 does not use');
  const key = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (key.length !== SECRETS_KEY_BYTES) throw new Error(`must be 32 random bytes in base64 (openssl rand -base64 32); it decodes to ${key.length} bytes`);
  return key;
}

export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

export function isSealed(value: string): boolean {
  return value.startsWith(`${VERSION}:`);
}

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== SECRETS_KEY_BYTES) throw new Error(`a secrets key is ${SECRETS_KEY_BYTES} bytes, not ${key.length}`);
  const keyId = keyIdOf(key);
  const aad = Buffer.from(`${VERSION}:${keyId}`);
  return {
    keyId,
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(aad);
      const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return [VERSION, keyId, iv.toString('base64url'), ciphertext.toString('base64url'), cipher.getAuthTag().toString('base64url')].join(':');
    },
    unseal(sealed) {
      const [version, id, iv, ciphertext, tag, ...rest] = sealed.split(':');
      if (version !== VERSION || !id || !iv || !ciphertext || !tag || rest.length)
        throw new SealedSecretError('the stored secret is not sealed in a known format (v1)');
      if (id !== keyId) throw new SealedSecretError(`the secret was sealed with key ${id}, but SECRETS_KEY is key ${keyId}`);
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url')).setAAD(aad);
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        throw new SealedSecretError(`the secret does not open with key ${keyId}: it was altered`);
      }
    },
  };
}

/**
 * The key a development server uses when SECRETS_KEY is unset: read from `file`, or made and written
 * there (mode 0600) the first time, so sealed secrets survive restarts. `created` says which.
 */
export function developmentKey(file: string): { key: Buffer; created: boolean } {
  const existing = () => ({ key: parseSecretsKey(readFileSync(file, 'utf8')), created: false });
  if (existsSync(file)) return existing();
  const key = randomBytes(SECRETS_KEY_BYTES);
  mkdirSync(dirname(file), { recursive: true });
  // Written whole under a name of its own, then linked into place: servers starting together on one
  // database agree on the first key linked, and none ever reads a half-written file.
  const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(draft, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(draft, 0o600);
  try {
    linkSync(draft, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return existing();
    throw error;
  } finally {
    unlinkSync(draft);
  }
  return { key, created: true };
}
