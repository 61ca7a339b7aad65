import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Bytes of a generated key; a configured one must have at least this many. */
const KEY_BYTES = 32;
/** The generated key's file beside an embedded (SQLite) identity database. */
export const CONSOLE_TOKEN_KEY_FILE_NAME = 'console-token.key';

/**
 * The key console session tokens are derived with: the configured one (`STACKYARD_CONSOLE_TOKEN_KEY`,
 * usually `…_FILE`, hex or any ≥ 32-byte text), or in embedded mode one generated once beside the
 * SQLite database, or undefined (each start makes its own; a restart only makes new token rows).
 */
export function consoleTokenKey(configured: string | undefined, databaseUrl: string): Buffer | undefined {
  if (configured !== undefined) {
    const trimmed = configured.trim();
    const key = /^[0-9a-f]+$/i.test(trimmed) && trimmed.length % 2 === 0 ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'utf8');
    if (key.length < KEY_BYTES) throw new Error(`STACKYARD_CONSOLE_TOKEN_KEY must hold at least ${KEY_BYTES} bytes (64 hex digits)`);
    return key;
  }
  if (!databaseUrl.startsWith('sqlite:')) return undefined;
  const file = join(dirname(databaseUrl.slice('sqlite:'.length)), CONSOLE_TOKEN_KEY_FILE_NAME);
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    // `wx`: two identity processes starting together keep the first one's key.
    try {
      writeFileSync(file, randomBytes(KEY_BYTES).toString('hex'), { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
}
