import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StartedSuite } from './suite-modes';

/** Pulumi's marker for an encrypted value inside state (`resource.SecretSig`). */
const SECRET_SIG = '4dabf18193072939515e22adb298388d';
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
/** The dynamic provider's ids: `item-<index>-<time><random>`. */
const ITEM_ID = /\b(item-\d+)-[0-9a-z]{6,}\b/g;
const VOLATILE_KEYS = new Set(['time', 'created', 'modified', 'timestamp']);

export interface ExportedDeployment {
  version: number;
  deployment: { resources?: Array<{ urn: string }>; pending_operations?: unknown[] } & Record<string, unknown>;
}

/**
 * An exported state with the values that legitimately differ between two runs of one program
 * masked (timestamps, ciphertexts, random ids, paths, the api URL), so states produced through
 * different upload modes can be compared for equality.
 */
export function normalizeExportedState(
  state: ExportedDeployment,
  side: {
    projectDir: string;
    apiUrl: string;
    /**
     * Keep the `plaintext` of secrets (a `pulumi stack export --show-secrets` state), so decrypted
     * values are compared too. Default: every secret becomes `<ciphertext>`.
     */
    keepPlaintext?: boolean;
  },
): unknown {
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk);
    if (value !== null && typeof value === 'object') {
      const obj = value as Record<string, unknown>;
      if (SECRET_SIG in obj && side.keepPlaintext === true && 'plaintext' in obj) return { [SECRET_SIG]: obj[SECRET_SIG], plaintext: walk(obj['plaintext']) };
      if (SECRET_SIG in obj) return { [SECRET_SIG]: obj[SECRET_SIG], ciphertext: '<ciphertext>' };
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(obj).sort()) if (!VOLATILE_KEYS.has(key)) out[key] = walk(obj[key]);
      return out;
    }
    if (typeof value === 'string') {
      const masked = value.split(side.projectDir).join('<project>').split(side.apiUrl).join('<api>');
      return masked.replace(UUID, '<uuid>').replace(ITEM_ID, '$1-<id>');
    }
    return value;
  };
  const copy = structuredClone(state);
  // Resources finish in parallel, so their order in the state is not deterministic.
  copy.deployment.resources?.sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
  return walk(copy);
}

/** Every api process's log of a suite (the api and its extra replicas), concatenated. */
export function apiLogText(started: StartedSuite): string {
  const dir = join(started.suite.dataDir, 'logs');
  return readdirSync(dir)
    .filter((f) => /^api(-\d+)?\.log$/.test(f))
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('\n');
}

export const countOccurrences = (text: string, needle: string): number => text.split(needle).length - 1;
