import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { writePrivateFile } from '@stackyard/shared-tls';

/** Shape of the tokens Stackyard hands out: Pulumi's `pul-` prefix and 160 random bits in hex. */
export const ACCESS_TOKEN_PATTERN = /^pul-[0-9a-f]{40}$/;

export function generateAccessToken(): string {
  return `pul-${randomBytes(20).toString('hex')}`;
}

export interface AdminTokenFile {
  token: string;
  /** True when this call wrote the file (first start), false when it was already there. */
  created: boolean;
}

/**
 * The bootstrap administrator's token lives in a 0600 file that identity reads at start
 * (`STACKYARD_BOOTSTRAP_ADMIN_TOKEN_FILE`). It is generated once and then kept, so a restart does
 * not invalidate the operator's login. A `preset` (tests) replaces whatever the file held.
 */
export function ensureAdminToken(file: string, preset?: string): AdminTokenFile {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  if (preset !== undefined) {
    if (preset.trim() === '') throw new Error('the bootstrap admin token must not be empty');
    writePrivateFile(file, `${preset}\n`);
    return { token: preset, created: true };
  }
  if (existsSync(file)) {
    const token = readFileSync(file, 'utf8').trim();
    if (token === '') throw new Error(`${file} is empty; delete it to have a new admin token generated`);
    return { token, created: false };
  }
  const token = generateAccessToken();
  writePrivateFile(file, `${token}\n`);
  return { token, created: true };
}
