import { accessSync, constants, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const created = new Set<string>();
let hooked = false;

/** Set STACKYARD_TEST_KEEP_DATA=1 to keep peers' data and temp dirs for a post-mortem. */
export function keepTestData(): boolean {
  return ['1', 'true', 'yes'].includes((process.env['STACKYARD_TEST_KEEP_DATA'] ?? '').toLowerCase());
}

export interface TempDirOptions {
  /** Prefer /dev/shm (RAM) when it exists and is writable: databases start and write faster there. */
  memory?: boolean;
}

/** The directory `tempDir` would create its folders in. */
export function tempBase(options: TempDirOptions = {}): string {
  if (options.memory) {
    try {
      if (statSync('/dev/shm').isDirectory()) {
        accessSync('/dev/shm', constants.W_OK);
        return '/dev/shm';
      }
    } catch {
      // No usable /dev/shm (macOS, restricted containers): fall back to the normal temp dir.
    }
  }
  return tmpdir();
}

/**
 * A fresh private directory (`<tmp>/<prefix>XXXXXX`, mode 0700) removed when the process exits,
 * unless STACKYARD_TEST_KEEP_DATA is set. Call `removeTempDir` to free it earlier.
 */
export function tempDir(prefix: string, options: TempDirOptions = {}): string {
  const dir = mkdtempSync(join(tempBase(options), prefix.endsWith('-') ? prefix : `${prefix}-`));
  created.add(dir);
  if (!hooked) {
    hooked = true;
    // 'exit' handlers must be synchronous; rmSync is.
    process.on('exit', () => {
      if (keepTestData()) return;
      for (const path of created) rmSync(path, { recursive: true, force: true });
    });
  }
  return dir;
}

export function removeTempDir(dir: string): void {
  created.delete(dir);
  if (!keepTestData()) rmSync(dir, { recursive: true, force: true });
}
