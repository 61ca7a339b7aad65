import { randomBytes } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseLocalKey } from '@stackyard/secrets-domain';

/** The key file is missing, unreadable as a key, or ambiguous: an operator has to act. */
export class LocalKeyFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LocalKeyFileError';
  }
}

export interface LocalKeyFile {
  /** The 32 key bytes. Callers hand them to a LocalKeyProvider and drop the reference. */
  key: Buffer;
  /** The file actually read (differs from the setting when that names a directory). */
  path: string;
  generated: boolean;
  /** Things an operator should fix that do not stop the service (file permissions). */
  warnings: string[];
}

/**
 * Reads the local KEK file, generating it first when allowed and absent. `path` may also name a
 * directory holding exactly one key file: Pulumi's docs describe `PULUMI_LOCAL_KEYS` as a folder
 * that contains the key, and Kubernetes Secret volumes are directories.
 */
export function loadLocalKeyFile(path: string, options: { generate: boolean }): LocalKeyFile {
  let generated = false;
  if (!exists(path)) {
    if (!options.generate) {
      throw new LocalKeyFileError(`the local key file ${path} does not exist; create one (openssl rand -hex 32 > ${path}; chmod 600 ${path}) or set STACKYARD_GENERATE_LOCAL_KEY=true`);
    }
    generated = generateKeyFile(path);
  }
  const file = statSync(path).isDirectory() ? singleFileIn(path) : path;
  let key: Buffer;
  try {
    key = parseLocalKey(readFileSync(file));
  } catch (error) {
    throw new LocalKeyFileError(`the local key file ${file} ${(error as Error).message}`);
  }
  const warnings: string[] = [];
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) warnings.push(`the local key file ${file} is readable by other users (mode ${mode.toString(8)}); chmod 600 it`);
  return { key, path: file, generated, warnings };
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/**
 * Writes a new random key as 64 hex digits, owner-only. The file appears atomically and only if no
 * one else created it meanwhile (link() fails on an existing name), so two replicas starting at
 * once on a shared volume end up with one key, not two. Returns whether this process created it.
 */
function generateKeyFile(path: string): boolean {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(tmp, 0o600);
  try {
    linkSync(tmp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(tmp);
  }
}

function singleFileIn(dir: string): string {
  // Kubernetes Secret volumes hold `..data` and `..<timestamp>` entries next to the key files.
  const candidates = readdirSync(dir)
    .filter((name) => !name.startsWith('.'))
    .map((name) => join(dir, name))
    .filter((file) => statSync(file).isFile());
  if (candidates.length !== 1) {
    throw new LocalKeyFileError(`the local key path ${dir} is a directory with ${candidates.length} candidate key files; point the setting at the key file itself`);
  }
  return candidates[0];
}
