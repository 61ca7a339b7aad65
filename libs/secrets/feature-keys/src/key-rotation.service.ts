import { type KeyProvider, stackKeyContext } from '@stackyard/secrets-domain';
import type { DataKeyService } from './data-key.service';
import type { KekCanaryService } from './kek-canary.service';
import type { StackDataKeyRepository, StoredKekReference } from './stack-data-key.repository';

const PAGE = 200;

export interface RewrapReport {
  /** The KEK every key is wrapped by afterwards. */
  target: StoredKekReference;
  examined: number;
  rewrapped: number;
  /** Moved by someone else between our read and our write (another re-wrap); left as they are. */
  changedConcurrently: number;
  /** Keys still wrapped by another KEK after the walk: created meanwhile by a replica on the old settings. */
  remaining: number;
  /** `not-moved` while keys remain on another KEK: run `rewrap` again once every replica runs the new settings. */
  canary: 'rewrapped' | 'changed-concurrently' | 'not-moved';
}

export interface KeyStatus {
  active: StoredKekReference;
  canary: StoredKekReference | undefined;
  keys: Array<StoredKekReference & { keys: number }>;
}

/** Something the operator asked for that this configuration cannot do; the message says what to do instead. */
export class KeyAdminError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyAdminError';
  }
}

/**
 * The online key operations behind the secrets admin commands. All of them work row by row with
 * compare-and-swap writes against the live database while the service keeps serving: a data key's
 * bytes never change, only its wrapping, and every replica opens either wrapping through its key
 * ring (active + previous provider), so no request ever sees a key it cannot open.
 */
export class KeyRotationService {
  constructor(
    private readonly provider: KeyProvider,
    private readonly dataKeyRows: StackDataKeyRepository,
    private readonly dataKeys: DataKeyService,
    private readonly canary: KekCanaryService,
  ) {}

  async status(): Promise<KeyStatus> {
    await this.provider.check();
    return { active: this.activeReference(), canary: await this.canary.state(), keys: await this.dataKeyRows.countByKek() };
  }

  /** A new KEK version on the provider, then every data key and the canary re-wrapped with it. */
  async rotateKek(): Promise<RewrapReport> {
    if (!this.provider.rotate) {
      throw new KeyAdminError(
        this.provider.keyId.startsWith('aws-kms:')
          ? 'AWS KMS rotates key material itself (EnableKeyRotation / RotateKeyOnDemand), invisibly to Stackyard; to move to another KMS key, point the alias at it and run `rewrap`'
          : 'the local key cannot be rotated in place: write a new key file, restart the service with STACKYARD_LOCAL_KEY_FILE=<new file> and STACKYARD_PREVIOUS_KEY_PROVIDER=local, STACKYARD_PREVIOUS_LOCAL_KEY_FILE=<old file>, then run `rewrap`',
      );
    }
    await this.provider.rotate();
    return this.rewrap({ all: false });
  }

  /**
   * Re-wraps every data key not wrapped by the active KEK (all of them with `all`), then the
   * canary. Safe to run again, and to run while the service serves.
   */
  async rewrap(options: { all: boolean }): Promise<RewrapReport> {
    await this.provider.check();
    let target = this.activeReference();
    const report = { examined: 0, rewrapped: 0, changedConcurrently: 0 };
    let after: { stackId: string; keyVersion: number } | undefined;
    for (;;) {
      const rows = await this.dataKeyRows.page(after, PAGE);
      if (rows.length === 0) break;
      for (const row of rows) {
        report.examined++;
        if (!options.all && sameKek(row, target)) continue;
        const raw = await this.dataKeys.unwrapRow(row);
        try {
          const wrapped = await this.provider.wrap(raw, stackKeyContext(row.stackId));
          target = { kekId: wrapped.keyId, kekVersion: wrapped.keyVersion };
          const swapped = await this.dataKeyRows.replaceWrapping(row, { wrappedKey: wrapped.wrapped.toString('base64'), ...target });
          if (swapped) report.rewrapped++;
          else report.changedConcurrently++;
        } finally {
          raw.fill(0);
        }
      }
      const last = rows[rows.length - 1];
      after = { stackId: last.stackId, keyVersion: last.keyVersion };
    }
    const remaining = (await this.dataKeyRows.countByKek()).filter((k) => !sameKek(k, target)).reduce((sum, k) => sum + k.keys, 0);
    // The canary moves last, and only when nothing is left behind: it is what a later start
    // without the previous provider checks, and it must not claim a KEK some keys do not have.
    if (remaining > 0) return { target, ...report, remaining, canary: 'not-moved' };
    return { target, ...report, remaining, canary: await this.canary.rewrap() };
  }

  /** A new data-key version for one stack; its older values keep decrypting with their version. */
  async rotateDataKey(stackId: string): Promise<number> {
    if (!(await this.dataKeyRows.findLatest(stackId))) throw new KeyAdminError(`stack ${stackId} has no data key: nothing was ever encrypted for it`);
    return this.dataKeys.rotate(stackId);
  }

  /** A new data-key version for every stack that has one; returns how many were rotated. */
  async rotateAllDataKeys(): Promise<number> {
    let rotated = 0;
    let after: string | undefined;
    for (;;) {
      const ids = await this.dataKeyRows.stackIds(after, PAGE);
      if (ids.length === 0) return rotated;
      for (const id of ids) {
        await this.dataKeys.rotate(id);
        rotated++;
      }
      after = ids[ids.length - 1];
    }
  }

  private activeReference(): StoredKekReference {
    return { kekId: this.provider.keyId, kekVersion: this.provider.keyVersion };
  }
}

function sameKek(a: StoredKekReference, b: StoredKekReference): boolean {
  return a.kekId === b.kekId && a.kekVersion === b.kekVersion;
}
