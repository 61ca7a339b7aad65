import { createHash } from 'node:crypto';
import { applyResourceFeatures, DeploymentFeature } from './deployment-features.util';
import { JournalReplayError } from './journal-replay.exception';
import {
  type DeploymentV3Json,
  type ExtensionJson,
  JournalEntryKind,
  type JournalEntry,
  type OperationV2Json,
  type ResourceV3Json,
  type TypedDeploymentJson,
} from './journal.types';
import { normalizeUrnReferences } from './normalize-urn-references.util';
import { rebuildDependencies } from './rebuild-dependencies.util';

/**
 * Server-side replay of Pulumi's journaling upload mode (pulumi-protocol.md §3.6): the stack's base
 * deployment plus the update's journal entries give the stack's new deployment.
 *
 * The replay is the reference's, `JournalReplayer.Add` / `GenerateDeployment` in pulumi/pulumi
 * `pkg/backend/journal.go` (the same code the CLI runs locally to validate its own journal):
 * new resources in the order their entries succeeded, followed by the base resources the journal
 * did not remove; removals by base index (`removeOld`) or by the operation that produced a
 * resource (`removeNew`); delete / pending-replacement marks; in-place replacement for refreshes
 * and outputs; begun-but-unfinished operations (plus the base's pending `creating` ones) as
 * `pending_operations`; dependency pruning after refreshes; alias normalisation; features and
 * schema version 3/4.
 *
 * Delivery (decided here; `docs/architecture/deployment-execution/state.md` in pulumi/pulumi):
 * entries are replayed in increasing `sequenceID` order, gaps allowed ("it's always safe to replay
 * all the journal entries that have arrived at the backend, in increasing order of their IDs, even
 * if some IDs are missing"). The CLI serialises entries of independent steps concurrently, so a batch
 * may be unsorted and a later batch may carry a lower id than one already applied:
 * - an entry whose `sequenceID` was already received with identical content is ignored (a retried
 *   batch, or the halves of a batch the CLI split after a 413);
 * - the same `sequenceID` with different content is rejected (`sequence-conflict`);
 * - entries above every applied id are applied incrementally; an entry below triggers a replay of
 *   everything received from the base, so the result always equals a replay in id order.
 *
 * `apply` is atomic: when it throws, nothing of the batch was taken.
 */

export interface JournalReplayerOptions {
  /** Clock for `manifest.time` (the reference writes `time.Now()`). Default: `new Date()`. */
  readonly now?: () => Date;
  /**
   * The CLI's version for `manifest.version`; `manifest.magic` is its SHA-256 in hex (Go
   * `Manifest.NewMagic`), or empty when the version is. Default: empty (the server cannot know it
   * unless it is taken from the CLI's `User-Agent`).
   */
  readonly cliVersion?: string;
}

export interface JournalApplyResult {
  /** Entries of the batch that were new. */
  readonly accepted: number;
  /** Entries of the batch already received with the same content (ignored). */
  readonly duplicates: number;
  /** True when an out-of-order entry made the replayer replay everything from the base. */
  readonly replayedFromBase: boolean;
}

interface ReceivedEntry {
  readonly entry: JournalEntry;
  readonly fingerprint: string;
}

/** The reference `JournalReplayer`'s fields. */
interface ReplayState {
  base: DeploymentV3Json;
  /** Operation ids whose resources are dropped from the new list (`toRemove`). */
  toRemove: Set<number>;
  /** Base indices dropped (`toDeleteInSnapshot`). */
  toDeleteInSnapshot: Set<number>;
  /** Base indices replaced in place (`toReplaceInSnapshot`). */
  toReplaceInSnapshot: Map<number, ResourceV3Json>;
  /** Base indices written with `delete: true` (`markAsDeletion`). */
  markAsDeletion: Set<number>;
  /** Base indices written with `pendingReplacement: true` (`markAsPendingReplacement`). */
  markAsPendingReplacement: Set<number>;
  /** Operation id → index in `newResources` (`operationIDToResourceIndex`). */
  operationIdToIndex: Map<number, number>;
  /** Begun operations not yet ended, in the order they began (`incompleteOps`). */
  incompleteOps: Map<number, JournalEntry>;
  hasRefresh: boolean;
  requiresByteString: boolean;
  /** Resources produced by this journal, in success order (`newResources`; `index` is its length). */
  newResources: ResourceV3Json[];
  /** Extension blobs from extension-parameterize entries (`extensions`). */
  extensions: Map<string, ExtensionJson>;
  /** Things the reference tolerates silently but that point at a CLI/server mismatch. */
  problems: string[];
}

export class JournalReplayer {
  private readonly base: DeploymentV3Json;
  private readonly now: () => Date;
  private readonly cliVersion: string;
  private readonly received = new Map<number, ReceivedEntry>();
  private lastApplied = 0;
  private state: ReplayState;

  /** `base` is the stack's current `deployment` (copied; never modified). Absent: an empty one. */
  constructor(base: DeploymentV3Json | null | undefined, options: JournalReplayerOptions = {}) {
    this.base = base === null || base === undefined ? {} : structuredClone(base);
    this.now = options.now ?? (() => new Date());
    this.cliVersion = options.cliVersion ?? '';
    this.state = newState(this.base);
  }

  /** Highest sequenceID received so far (0 before any). */
  get lastSequenceID(): number {
    return this.lastApplied;
  }

  /** Number of distinct entries received. */
  get entryCount(): number {
    return this.received.size;
  }

  /**
   * Tolerated oddities found by the replay so far (e.g. a `removeNew` naming an operation that
   * produced no resource, which the reference resolves to index 0). Worth a log line, not a failure.
   */
  get problems(): readonly string[] {
    return this.state.problems;
  }

  /** Adds a batch (any order; retries welcome). Throws `JournalReplayError` and takes nothing on a bad batch. */
  apply(entries: readonly JournalEntry[]): JournalApplyResult {
    const fresh = new Map<number, ReceivedEntry>();
    let duplicates = 0;
    for (const entry of entries) {
      validateEntry(entry);
      const fingerprint = createHash('sha256').update(JSON.stringify(entry)).digest('base64');
      const seen = this.received.get(entry.sequenceID) ?? fresh.get(entry.sequenceID);
      if (seen !== undefined) {
        if (seen.fingerprint !== fingerprint) {
          throw new JournalReplayError(
            'sequence-conflict',
            `journal entry ${entry.sequenceID} was already received with different content`,
            entry.sequenceID,
          );
        }
        duplicates++;
        continue;
      }
      fresh.set(entry.sequenceID, { entry: structuredClone(entry), fingerprint });
    }
    if (fresh.size === 0) return { accepted: 0, duplicates, replayedFromBase: false };

    const ordered = [...fresh.values()].map((r) => r.entry).sort(bySequence);
    const first = ordered[0];
    const last = ordered[ordered.length - 1];
    const inOrder = first !== undefined && first.sequenceID > this.lastApplied;
    if (inOrder) {
      try {
        for (const entry of ordered) this.add(this.state, entry);
      } catch (err) {
        this.state = this.replay([...this.received.values()].map((r) => r.entry));
        throw err;
      }
    } else {
      this.state = this.replay([...this.received.values(), ...fresh.values()].map((r) => r.entry));
    }
    for (const [seq, r] of fresh) this.received.set(seq, r);
    this.lastApplied = Math.max(this.lastApplied, last?.sequenceID ?? 0);
    return { accepted: fresh.size, duplicates, replayedFromBase: !inOrder };
  }

  /**
   * The stack's deployment after everything applied so far (Go `GenerateDeployment`). Pure with
   * respect to the replayer: call it after every batch or only at `complete`.
   */
  snapshot(): TypedDeploymentJson {
    return this.generate(this.state);
  }

  private replay(entries: JournalEntry[]): ReplayState {
    const state = newState(this.base);
    for (const entry of [...entries].sort(bySequence)) this.add(state, entry);
    return state;
  }

  /** Go `JournalReplayer.Add`. */
  private add(s: ReplayState, e: JournalEntry): void {
    if (e.requiresByteString === true) s.requiresByteString = true;
    const opId = e.operationID ?? 0;
    const kind = e.kind as JournalEntryKind;
    switch (kind) {
      case JournalEntryKind.Begin:
        // Re-inserting keeps `incompleteOps` in begin order (see `generate`).
        s.incompleteOps.delete(opId);
        s.incompleteOps.set(opId, e);
        return;
      case JournalEntryKind.Success: {
        s.incompleteOps.delete(opId);
        if (isSet(e.state)) {
          s.operationIdToIndex.set(opId, s.newResources.length);
          s.newResources.push(e.state);
        }
        if (isSet(e.removeOld)) s.toDeleteInSnapshot.add(e.removeOld);
        if (isSet(e.removeNew)) this.remove(s, e, e.removeNew);
        if (isSet(e.deleteOld)) s.markAsDeletion.add(e.deleteOld);
        if (isSet(e.deleteNew)) this.markNewResource(s, e, e.deleteNew, 'deleteNew', { delete: true });
        if (isSet(e.pendingReplacementOld)) s.markAsPendingReplacement.add(e.pendingReplacementOld);
        if (isSet(e.pendingReplacementNew)) {
          this.markNewResource(s, e, e.pendingReplacementNew, 'pendingReplacementNew', { pendingReplacement: true });
        }
        if (e.isRefresh === true) s.hasRefresh = true;
        return;
      }
      case JournalEntryKind.RefreshSuccess:
        s.incompleteOps.delete(opId);
        s.hasRefresh = true;
        if (isSet(e.removeOld)) {
          if (isSet(e.state)) s.toReplaceInSnapshot.set(e.removeOld, e.state);
          else s.toDeleteInSnapshot.add(e.removeOld);
        }
        if (isSet(e.removeNew)) {
          if (isSet(e.state)) this.replaceNewResource(s, e, e.removeNew, e.state);
          else this.remove(s, e, e.removeNew);
        }
        return;
      case JournalEntryKind.Failure:
        s.incompleteOps.delete(opId);
        return;
      case JournalEntryKind.Outputs:
        if (isSet(e.state) && isSet(e.removeOld)) s.toReplaceInSnapshot.set(e.removeOld, e.state);
        if (isSet(e.state) && isSet(e.removeNew)) this.replaceNewResource(s, e, e.removeNew, e.state);
        return;
      case JournalEntryKind.Write:
        // Provider migrations rewrite the base once, before any other entry that touches it.
        s.base = { ...e.newSnapshot };
        return;
      case JournalEntryKind.SecretsManager: {
        const provider = e.secretsProvider;
        if (!isSet(provider)) {
          // The reference dereferences it (a panic when the base has a provider); keep the base's.
          if (isSet(s.base.secrets_providers)) s.problems.push(`entry ${e.sequenceID}: secrets-manager entry without secretsProvider ignored`);
          return;
        }
        const current = s.base.secrets_providers;
        if (isSet(current) && current.type === provider.type && JSON.stringify(current.state) === JSON.stringify(provider.state)) return;
        s.base.secrets_providers = provider;
        return;
      }
      case JournalEntryKind.Snippets:
        s.base.snippets = isSet(e.snippets) ? e.snippets : undefined;
        return;
      case JournalEntryKind.RebuiltBaseState: {
        // The engine rebuilt its base state (after a refresh): the current result becomes the base
        // and every index restarts. hasRefresh and requiresByteString stay set.
        const rebuilt = this.generate(s).deployment;
        s.base = rebuilt;
        s.toRemove = new Set();
        s.toDeleteInSnapshot = new Set();
        s.toReplaceInSnapshot = new Map();
        s.markAsDeletion = new Set();
        s.markAsPendingReplacement = new Set();
        s.operationIdToIndex = new Map();
        s.incompleteOps = new Map();
        s.newResources = [];
        s.extensions = new Map();
        return;
      }
      case JournalEntryKind.ExtensionParameterize:
        // validateEntry guarantees both.
        if (isSet(e.extensionRef) && isSet(e.extension)) s.extensions.set(e.extensionRef, e.extension);
        return;
      default:
        // The reference's switch ignores kinds it does not know.
        s.problems.push(`entry ${e.sequenceID}: unknown kind ${String(e.kind)} ignored`);
        return;
    }
  }

  private remove(s: ReplayState, e: JournalEntry, opId: number): void {
    if (!s.operationIdToIndex.has(opId)) this.indexOf(s, e, opId, 'removeNew');
    s.toRemove.add(opId);
  }

  /**
   * `r.operationIDToResourceIndex[op]`: an operation that produced no resource (yet) yields Go's
   * zero value, index 0 — kept for parity, and recorded as a problem.
   */
  private indexOf(s: ReplayState, e: JournalEntry, opId: number, field: string): number {
    const index = s.operationIdToIndex.get(opId);
    if (index !== undefined) return index;
    s.problems.push(`entry ${e.sequenceID}: ${field} ${opId} names an operation that produced no resource; the reference resolves it to index 0`);
    return 0;
  }

  /**
   * `r.newResources[index].Flag = true`; an index past the list is a Go panic, thrown here.
   * Copy-on-write, so the received entries stay as they arrived (a later replay starts clean).
   */
  private markNewResource(s: ReplayState, e: JournalEntry, opId: number, field: string, flag: Partial<ResourceV3Json>): void {
    const index = this.indexOf(s, e, opId, field);
    const res = s.newResources[index];
    if (res === undefined) {
      throw new JournalReplayError('replay-failed', `journal entry ${e.sequenceID}: ${field} ${opId} names no resource of this update`, e.sequenceID);
    }
    s.newResources[index] = { ...res, ...flag };
  }

  private replaceNewResource(s: ReplayState, e: JournalEntry, opId: number, state: ResourceV3Json): void {
    const index = this.indexOf(s, e, opId, 'removeNew');
    if (s.newResources[index] === undefined) {
      throw new JournalReplayError('replay-failed', `journal entry ${e.sequenceID}: removeNew ${opId} names no resource of this update`, e.sequenceID);
    }
    s.newResources[index] = state;
  }

  /** Go `GenerateDeployment`. Reads `s` only. */
  private generate(s: ReplayState): TypedDeploymentJson {
    const features = new Set<string>();
    const base = s.base;

    // Resolved here, as in Go (an unknown operation id is index 0; `add` reported it).
    const removeIndices = new Set<number>();
    for (const opId of s.toRemove) removeIndices.add(s.operationIdToIndex.get(opId) ?? 0);

    const resources: ResourceV3Json[] = [];
    s.newResources.forEach((res, i) => {
      if (removeIndices.has(i)) return;
      resources.push(structuredClone(res));
      applyResourceFeatures(res, s.requiresByteString, features);
    });

    (base.resources ?? []).forEach((res, i) => {
      if (s.toDeleteInSnapshot.has(i)) return;
      const replacement = s.toReplaceInSnapshot.get(i);
      if (replacement !== undefined) {
        // A replacement wins over delete / pending-replacement marks on the same index.
        resources.push(structuredClone(replacement));
        applyResourceFeatures(replacement, s.requiresByteString, features);
        return;
      }
      const copy = structuredClone(res);
      if (s.markAsPendingReplacement.has(i)) copy.pendingReplacement = true;
      if (s.markAsDeletion.has(i)) copy.delete = true;
      resources.push(copy);
      applyResourceFeatures(copy, s.requiresByteString, features);
    });

    // Go ranges over a map here (random order); begin order is the deterministic choice, the one
    // the engine's own test journal (`pkg/engine/test_journal.go`) uses.
    const operations: OperationV2Json[] = [];
    for (const begin of s.incompleteOps.values()) {
      if (!isSet(begin.operation)) continue;
      operations.push(structuredClone(begin.operation));
      applyResourceFeatures(begin.operation.resource, s.requiresByteString, features);
    }
    // Pending creates of the base survive: they need the user to resolve them.
    for (const op of base.pending_operations ?? []) {
      if (op.type !== 'creating') continue;
      operations.push(structuredClone(op));
      applyResourceFeatures(op.resource, s.requiresByteString, features);
    }

    if (s.hasRefresh) rebuildDependencies(resources);

    const deployment: DeploymentV3Json = {
      manifest: {
        time: this.now().toISOString(),
        magic: this.cliVersion === '' ? '' : createHash('sha256').update(this.cliVersion).digest('hex'),
        version: this.cliVersion,
      },
    };
    if (isSet(base.secrets_providers)) deployment.secrets_providers = structuredClone(base.secrets_providers);
    if (resources.length > 0) deployment.resources = resources;
    if (operations.length > 0) deployment.pending_operations = operations;
    deployment.metadata = isSet(base.metadata) ? structuredClone(base.metadata) : {};
    if (isSet(base.snippets) && base.snippets.length > 0) {
      deployment.snippets = structuredClone(base.snippets);
      features.add(DeploymentFeature.Snippets);
    }
    // This journal's extensions, overridden by the base's (Go: maps.Copy(clone(r.extensions), base)).
    const extensions = new Map(s.extensions);
    for (const [ref, ext] of Object.entries(base.extensions ?? {})) extensions.set(ref, ext);
    if (extensions.size > 0) {
      deployment.extensions = Object.fromEntries(
        [...extensions.keys()].sort().map((ref) => [ref, structuredClone(extensions.get(ref) as ExtensionJson)]),
      );
    }

    normalizeUrnReferences(deployment);
    return { version: features.size > 0 ? 4 : 3, features: [...features].sort(), deployment };
  }
}

/** Replays `entries` (any order; duplicates ignored) onto `base` in one go. */
export function replayJournal(
  base: DeploymentV3Json | null | undefined,
  entries: readonly JournalEntry[],
  options?: JournalReplayerOptions,
): TypedDeploymentJson {
  const replayer = new JournalReplayer(base, options);
  replayer.apply(entries);
  return replayer.snapshot();
}

/**
 * Replay state over `base`. Nothing reachable from the received entries or the stored base is ever
 * mutated: the state replaces objects (top-level copies) and `generate` deep-copies what it emits,
 * so a full replay costs no cloning.
 */
function newState(base: DeploymentV3Json): ReplayState {
  return {
    base: { ...base },
    toRemove: new Set(),
    toDeleteInSnapshot: new Set(),
    toReplaceInSnapshot: new Map(),
    markAsDeletion: new Set(),
    markAsPendingReplacement: new Set(),
    operationIdToIndex: new Map(),
    incompleteOps: new Map(),
    hasRefresh: false,
    requiresByteString: false,
    newResources: [],
    extensions: new Map(),
    problems: [],
  };
}

function bySequence(a: JournalEntry, b: JournalEntry): number {
  return a.sequenceID - b.sequenceID;
}

function isSet<T>(v: T | null | undefined): v is T {
  return v !== null && v !== undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const INDEX_FIELDS = ['operationID', 'removeOld', 'removeNew', 'pendingReplacementOld', 'pendingReplacementNew', 'deleteOld', 'deleteNew'] as const;

/** Shape checks for what the replay dereferences (where Go would panic or mis-decode). */
function validateEntry(entry: unknown): asserts entry is JournalEntry {
  const fail = (why: string, seq?: number): never => {
    throw new JournalReplayError('invalid-entry', why, seq);
  };
  if (!isObject(entry)) return fail('a journal entry must be an object');
  const seq = entry['sequenceID'];
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) {
    return fail('a journal entry needs a positive integer sequenceID');
  }
  const kind = entry['kind'];
  if (typeof kind !== 'number' || !Number.isInteger(kind)) return fail(`journal entry ${seq}: kind must be an integer`, seq);
  for (const field of INDEX_FIELDS) {
    const v = entry[field];
    if (v !== undefined && v !== null && (typeof v !== 'number' || !Number.isSafeInteger(v))) {
      fail(`journal entry ${seq}: ${field} must be an integer or null`, seq);
    }
  }
  const state = entry['state'];
  if (isSet(state) && !(isObject(state) && typeof state['urn'] === 'string')) fail(`journal entry ${seq}: state must be a resource`, seq);
  const op = entry['operation'];
  if (isSet(op) && !(isObject(op) && isObject(op['resource']) && typeof op['type'] === 'string')) {
    fail(`journal entry ${seq}: operation must be {resource, type}`, seq);
  }
  const snapshot = entry['newSnapshot'];
  if (isSet(snapshot) && !isObject(snapshot)) fail(`journal entry ${seq}: newSnapshot must be an object`, seq);
  const provider = entry['secretsProvider'];
  if (isSet(provider) && !(isObject(provider) && typeof provider['type'] === 'string')) {
    fail(`journal entry ${seq}: secretsProvider must be {type, state}`, seq);
  }
  const snippets = entry['snippets'];
  if (isSet(snippets) && !Array.isArray(snippets)) fail(`journal entry ${seq}: snippets must be an array`, seq);
  if (kind === JournalEntryKind.Write && !isObject(snapshot)) fail(`journal entry ${seq}: a write entry needs newSnapshot`, seq);
  if (kind === JournalEntryKind.ExtensionParameterize && !(typeof entry['extensionRef'] === 'string' && isObject(entry['extension']))) {
    fail(`journal entry ${seq}: an extension-parameterize entry needs extensionRef and extension`, seq);
  }
}
