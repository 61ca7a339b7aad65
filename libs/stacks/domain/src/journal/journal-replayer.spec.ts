import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { JournalReplayError } from './journal-replay.exception';
import { JournalReplayer, replayJournal } from './journal-replayer';
import { type DeploymentV3Json, type JournalEntry, JournalEntryKind as K, type ResourceV3Json } from './journal.types';

/*
 * Expected results are derived by walking pulumi/pulumi `pkg/backend/journal.go`
 * (`JournalReplayer.Add` + `GenerateDeployment`) over entries shaped like the ones the engine
 * emits (`pkg/engine/journal_snapshot.go`: which step writes which fields). Result order is
 * always: resources produced by this journal in success order, then the base resources that were
 * not removed, in base order (replaced ones in place).
 */

const NOW = new Date('2026-01-02T03:04:05.000Z');
const opts = { now: () => NOW };

const urn = (name: string, type = 'pkg:m:T'): string => `urn:pulumi:dev::proj::${type}::${name}`;
const STACK = urn('proj-dev', 'pulumi:pulumi:Stack');
const PROV = urn('default', 'pulumi:providers:pkg');

function res(name: string, extra: Partial<ResourceV3Json> = {}): ResourceV3Json {
  if (name === 'stack') return { urn: STACK, custom: false, type: 'pulumi:pulumi:Stack', ...extra };
  if (name === 'prov') return { urn: PROV, custom: true, id: 'prov-id', type: 'pulumi:providers:pkg', ...extra };
  return { urn: urn(name), custom: true, id: `id-${name}`, type: 'pkg:m:T', parent: STACK, provider: `${PROV}::prov-id`, ...extra };
}

/** Short names of a result's resources, with markers for delete / pendingReplacement. */
function names(resources: readonly ResourceV3Json[] | null | undefined): string[] {
  return (resources ?? []).map((r) => {
    const n = r.urn === STACK ? 'stack' : r.urn === PROV ? 'prov' : r.urn.slice(r.urn.lastIndexOf('::') + 2);
    return `${n}${r.delete === true ? '(delete)' : ''}${r.pendingReplacement === true ? '(pending)' : ''}`;
  });
}

/** Builds entries with increasing sequence ids, the way the engine's counters do. */
function journal() {
  let seq = 0;
  const e = (kind: number, operationID: number, fields: Partial<JournalEntry> = {}): JournalEntry => ({
    version: 1,
    kind,
    sequenceID: ++seq,
    operationID,
    removeOld: null,
    removeNew: null,
    ...fields,
  });
  return {
    e,
    secrets: (type = 'service', state: unknown = { url: 'https://api', owner: 'o', project: 'p', stack: 'dev' }) =>
      e(K.SecretsManager, 0, { secretsProvider: { type, state } }),
    begin: (op: number, operation?: { resource: ResourceV3Json; type: string }) => e(K.Begin, op, operation ? { operation } : {}),
    success: (op: number, fields: Partial<JournalEntry> = {}) => e(K.Success, op, fields),
    failure: (op: number, fields: Partial<JournalEntry> = {}) => e(K.Failure, op, fields),
  };
}

const baseOf = (...resources: ResourceV3Json[]): DeploymentV3Json => ({
  manifest: { time: '2025-12-01T00:00:00Z', magic: '', version: 'v3.1.0' },
  secrets_providers: { type: 'service', state: { url: 'https://api', owner: 'o', project: 'p', stack: 'dev' } },
  resources,
  metadata: {},
});

void describe('JournalReplayer: updates', () => {
  void it('first update of a fresh stack: creates in success order, manifest, secrets provider, schema 3', () => {
    const j = journal();
    const entries = [
      j.secrets(),
      j.begin(1, { resource: res('stack'), type: 'creating' }),
      j.success(1, { state: res('stack') }),
      j.begin(2, { resource: res('prov'), type: 'creating' }),
      j.success(2, { state: res('prov') }),
      j.begin(3, { resource: res('a'), type: 'creating' }),
      j.begin(4, { resource: res('b'), type: 'creating' }),
      // b finishes first: success order, not operation order, decides the list.
      j.success(4, { state: res('b') }),
      j.success(3, { state: res('a') }),
    ];
    const out = replayJournal({ manifest: { time: '2025-12-01T00:00:00Z', magic: '', version: '' } }, entries, {
      ...opts,
      cliVersion: 'v3.200.0',
    });
    assert.equal(out.version, 3);
    assert.deepEqual(out.features, []);
    assert.deepEqual(names(out.deployment.resources), ['stack', 'prov', 'b', 'a']);
    assert.deepEqual(out.deployment.manifest, {
      time: '2026-01-02T03:04:05.000Z',
      magic: createHash('sha256').update('v3.200.0').digest('hex'),
      version: 'v3.200.0',
    });
    assert.deepEqual(out.deployment.secrets_providers, entries[0]?.secretsProvider);
    assert.equal(out.deployment.pending_operations, undefined);
    assert.deepEqual(out.deployment.metadata, {});
  });

  void it('same + update steps replace by base index; untouched base resources follow the new ones', () => {
    // Base [stack, prov, a, b]; a targeted update touches stack, prov (same) and b (update).
    const j = journal();
    const b2 = res('b', { outputs: { v: 2 } });
    const out = replayJournal(
      baseOf(res('stack'), res('prov'), res('a'), res('b')),
      [
        j.secrets(),
        j.begin(1),
        j.success(1, { state: res('stack'), removeOld: 0 }),
        j.begin(2),
        j.success(2, { state: res('prov'), removeOld: 1 }),
        j.begin(3, { resource: b2, type: 'updating' }),
        j.success(3, { state: b2, removeOld: 3 }),
      ],
      opts,
    );
    assert.deepEqual(names(out.deployment.resources), ['stack', 'prov', 'b', 'a']);
    assert.deepEqual(out.deployment.resources?.[2]?.['outputs'], { v: 2 });
  });

  void it('delete: removeOld drops the base resource', () => {
    const j = journal();
    const out = replayJournal(
      baseOf(res('stack'), res('prov'), res('a'), res('b')),
      [j.secrets(), j.begin(1, { resource: res('b'), type: 'deleting' }), j.success(1, { removeOld: 3 })],
      opts,
    );
    assert.deepEqual(names(out.deployment.resources), ['stack', 'prov', 'a']);
  });

  void it('destroy of everything leaves no resources key (Go omitempty)', () => {
    const j = journal();
    const out = replayJournal(
      baseOf(res('stack'), res('a')),
      [
        j.begin(1, { resource: res('a'), type: 'deleting' }),
        j.success(1, { removeOld: 1 }),
        j.begin(2, { resource: res('stack'), type: 'deleting' }),
        j.success(2, { removeOld: 0 }),
      ],
      opts,
    );
    assert.equal(out.deployment.resources, undefined);
  });

  void it('create-before-delete replacement: old marked delete, then removed', () => {
    // createSnapshotMutation.End sets deleteOld (old not pendingReplacement); the later
    // DeleteReplaced step's success removes it (removeOld).
    const j = journal();
    const a2 = res('a', { id: 'id-a2' });
    const r = new JournalReplayer(baseOf(res('stack'), res('prov'), res('a')), opts);
    r.apply([
      j.secrets(),
      j.begin(1),
      j.success(1, { state: res('stack'), removeOld: 0 }),
      j.begin(2),
      j.success(2, { state: res('prov'), removeOld: 1 }),
      j.begin(3, { resource: a2, type: 'creating' }),
      j.success(3, { state: a2, deleteOld: 2 }),
    ]);
    const mid = r.snapshot();
    assert.deepEqual(names(mid.deployment.resources), ['stack', 'prov', 'a', 'a(delete)']);
    assert.equal(mid.deployment.resources?.[2]?.id, 'id-a2');
    assert.equal(mid.deployment.resources?.[3]?.id, 'id-a');

    r.apply([j.begin(4, { resource: res('a', { delete: true }), type: 'deleting' }), j.success(4, { removeOld: 2 })]);
    const out = r.snapshot();
    assert.deepEqual(names(out.deployment.resources), ['stack', 'prov', 'a']);
    assert.equal(out.deployment.resources?.[2]?.id, 'id-a2');
  });

  void it('delete-before-create replacement: old marked pendingReplacement, then removed by the create', () => {
    // The DeleteReplaced step sets old.PendingReplacement, so its success carries
    // pendingReplacementOld; the CreateReplacement's success then removes the old (removeOld).
    const j = journal();
    const a2 = res('a', { id: 'id-a2' });
    const r = new JournalReplayer(baseOf(res('stack'), res('prov'), res('a')), opts);
    r.apply([
      j.secrets(),
      j.begin(1),
      j.success(1, { state: res('stack'), removeOld: 0 }),
      j.begin(2),
      j.success(2, { state: res('prov'), removeOld: 1 }),
      j.begin(3, { resource: res('a'), type: 'deleting' }),
      j.success(3, { pendingReplacementOld: 2 }),
      j.begin(4, { resource: a2, type: 'creating' }),
    ]);
    // CLI killed here: the old state stays (pendingReplacement) and the create is pending.
    const killed = r.snapshot();
    assert.deepEqual(names(killed.deployment.resources), ['stack', 'prov', 'a(pending)']);
    assert.deepEqual(killed.deployment.pending_operations, [{ resource: a2, type: 'creating' }]);

    r.apply([j.success(4, { state: a2, removeOld: 2 })]);
    const out = r.snapshot();
    assert.deepEqual(names(out.deployment.resources), ['stack', 'prov', 'a']);
    assert.equal(out.deployment.resources?.[2]?.id, 'id-a2');
    assert.equal(out.deployment.pending_operations, undefined);
  });

  void it('deleteNew / pendingReplacementNew / removeNew address resources produced earlier in the journal', () => {
    const j = journal();
    const out = replayJournal(
      baseOf(),
      [
        j.success(1, { state: res('x') }),
        j.success(2, { state: res('y') }),
        j.success(3, { state: res('x', { id: 'x2' }), deleteNew: 1 }),
        j.success(4, { pendingReplacementNew: 2 }),
        j.success(5, { state: res('z') }),
        j.success(6, { removeNew: 5 }),
      ],
      opts,
    );
    assert.deepEqual(names(out.deployment.resources), ['x(delete)', 'y(pending)', 'x']);
  });
});

void describe('JournalReplayer: pending operations and failures', () => {
  void it('begin without end becomes a pending operation (in begin order); base keeps only pending creates', () => {
    const j = journal();
    const c = res('c');
    const b2 = res('b', { outputs: { v: 2 } });
    const base: DeploymentV3Json = {
      ...baseOf(res('stack'), res('b')),
      pending_operations: [
        { resource: res('old-create'), type: 'creating' },
        { resource: res('old-update'), type: 'updating' },
      ],
    };
    const out = replayJournal(
      base,
      [
        j.secrets(),
        j.begin(1, { resource: b2, type: 'updating' }),
        j.begin(2, { resource: c, type: 'creating' }),
        j.begin(3), // a same step: no operation, never pending
      ],
      opts,
    );
    assert.deepEqual(names(out.deployment.resources), ['stack', 'b']);
    assert.equal(out.deployment.resources?.[1]?.['outputs'], undefined);
    assert.deepEqual(
      out.deployment.pending_operations?.map((o) => `${o.type} ${names([o.resource])[0] ?? ''}`),
      ['updating b', 'creating c', 'creating old-create'],
    );
  });

  void it('failure clears the pending operation and ignores the state it carries', () => {
    const j = journal();
    const out = replayJournal(
      baseOf(res('stack'), res('b')),
      [
        j.begin(1, { resource: res('c'), type: 'creating' }),
        j.failure(1, { state: res('c') }),
        j.begin(2, { resource: res('b', { outputs: { v: 9 } }), type: 'updating' }),
        j.failure(2, { state: res('b', { outputs: { v: 9 } }), removeOld: 1 }),
      ],
      opts,
    );
    assert.deepEqual(names(out.deployment.resources), ['stack', 'b']);
    assert.equal(out.deployment.resources?.[1]?.['outputs'], undefined);
    assert.equal(out.deployment.pending_operations, undefined);
  });
});

void describe('JournalReplayer: refresh', () => {
  const a = res('a');
  const b = res('b', { dependencies: [urn('a')] });
  const c = res('c', {
    parent: urn('b'),
    dependencies: [urn('b'), urn('a')],
    propertyDependencies: { x: [urn('b')], y: [urn('a')] },
    deletedWith: urn('b'),
  });

  void it('refresh-success replaces in place, deletes without state, and prunes dangling references', () => {
    const j = journal();
    const a2 = res('a', { outputs: { refreshed: true } });
    const out = replayJournal(
      baseOf(res('stack'), res('prov'), a, b, c),
      [
        j.secrets(),
        j.begin(1),
        j.e(K.RefreshSuccess, 1, { state: a2, removeOld: 2, isRefresh: true }),
        j.begin(2),
        j.e(K.RefreshSuccess, 2, { removeOld: 3, isRefresh: true }), // b is gone
      ],
      opts,
    );
    assert.deepEqual(names(out.deployment.resources), ['stack', 'prov', 'a', 'c']);
    assert.deepEqual(out.deployment.resources?.[2]?.['outputs'], { refreshed: true });
    const c2 = out.deployment.resources?.[3];
    assert.deepEqual(c2?.dependencies, [urn('a')]);
    assert.deepEqual(c2?.propertyDependencies, { y: [urn('a')] });
    assert.equal('deletedWith' in (c2 ?? {}), false);
    // Its parent vanished: cleared (the reference re-parents to the parent's recorded parent, none here).
    assert.equal('parent' in (c2 ?? {}), false);
  });

  void it('a persisted refresh arrives as success + isRefresh: appended like any success, deps still pruned', () => {
    const j = journal();
    const out = replayJournal(
      baseOf(res('stack'), a, b),
      [j.begin(1), j.success(1, { removeOld: 1, isRefresh: true }), j.begin(2), j.success(2, { state: b, removeOld: 2, isRefresh: true })],
      opts,
    );
    assert.deepEqual(names(out.deployment.resources), ['b', 'stack']);
    // b now precedes everything it depended on, and a is gone: no dependencies left.
    assert.equal('dependencies' in (out.deployment.resources?.[0] ?? {}), false);
  });

  void it('without any refresh entry dependencies are left alone', () => {
    const j = journal();
    const out = replayJournal(baseOf(res('stack'), a, b), [j.begin(1), j.success(1, { removeOld: 1 })], opts);
    assert.deepEqual(names(out.deployment.resources), ['stack', 'b']);
    assert.deepEqual(out.deployment.resources?.[1]?.dependencies, [urn('a')]);
  });

  void it('rebuilt-base-state (up --refresh): the refreshed result becomes the base and indices restart', () => {
    // Base [stack, prov, a, b]. Refresh deletes a and refreshes b; then the update's removeOld
    // indices refer to the rebuilt base [stack, prov, b'].
    const j = journal();
    const bRefreshed = res('b', { outputs: { r: 1 } });
    const bUpdated = res('b', { outputs: { r: 2 } });
    const r = new JournalReplayer(baseOf(res('stack'), res('prov'), a, res('b')), opts);
    r.apply([
      j.secrets(),
      j.begin(1),
      j.e(K.RefreshSuccess, 1, { removeOld: 2, isRefresh: true }),
      j.begin(2),
      j.e(K.RefreshSuccess, 2, { state: bRefreshed, removeOld: 3, isRefresh: true }),
      j.e(K.RebuiltBaseState, 0),
    ]);
    assert.deepEqual(names(r.snapshot().deployment.resources), ['stack', 'prov', 'b']);
    r.apply([
      j.begin(3),
      j.success(3, { state: res('stack'), removeOld: 0 }),
      j.begin(4),
      j.success(4, { state: res('prov'), removeOld: 1 }),
      j.begin(5, { resource: bUpdated, type: 'updating' }),
      j.success(5, { state: bUpdated, removeOld: 2 }),
      j.begin(6, { resource: res('d'), type: 'creating' }),
      j.success(6, { state: res('d') }),
    ]);
    const out = r.snapshot();
    assert.deepEqual(names(out.deployment.resources), ['stack', 'prov', 'b', 'd']);
    assert.deepEqual(out.deployment.resources?.[2]?.['outputs'], { r: 2 });
  });

  void it('rebuilt-base-state keeps unfinished operations only if they are creates', () => {
    const j = journal();
    const out = replayJournal(
      baseOf(res('stack'), res('b')),
      [
        j.begin(1, { resource: res('b'), type: 'updating' }),
        j.begin(2, { resource: res('n'), type: 'creating' }),
        j.e(K.RebuiltBaseState, 0),
      ],
      opts,
    );
    assert.deepEqual(out.deployment.pending_operations?.map((o) => o.type), ['creating']);
  });
});

void describe('JournalReplayer: outputs, write, secrets manager, extensions, snippets, features', () => {
  void it('outputs (kind 4) replace the resource in place, new (removeNew) or base (removeOld)', () => {
    const j = journal();
    const comp = res('comp', { custom: false, type: 'my:c:Comp' });
    const out = replayJournal(
      baseOf(res('stack'), res('a')),
      [
        j.begin(1, { resource: comp, type: 'creating' }),
        j.success(1, { state: comp }),
        j.success(2, { state: res('b') }),
        j.e(K.Outputs, 3, { state: { ...comp, outputs: { url: 'x' } }, removeNew: 1 }),
        j.e(K.Outputs, 4, { state: { ...res('stack'), outputs: { out: 1 } }, removeOld: 0 }),
      ],
      opts,
    );
    assert.deepEqual(names(out.deployment.resources), ['comp', 'b', 'stack', 'a']);
    assert.deepEqual(out.deployment.resources?.[0]?.['outputs'], { url: 'x' });
    assert.deepEqual(out.deployment.resources?.[2]?.['outputs'], { out: 1 });
  });

  void it('write (kind 5) replaces the base before the steps that index into it', () => {
    const j = journal();
    const migrated = { ...baseOf(res('stack'), res('prov', { id: 'migrated' }), res('a')), pending_operations: [] };
    const out = replayJournal(
      baseOf(res('stack'), res('prov')),
      [j.secrets(), j.e(K.Write, 0, { newSnapshot: migrated }), j.begin(1), j.success(1, { state: res('a', { outputs: { o: 1 } }), removeOld: 2 })],
      opts,
    );
    assert.deepEqual(names(out.deployment.resources), ['a', 'stack', 'prov']);
    assert.equal(out.deployment.resources?.[2]?.id, 'migrated');
  });

  void it('secrets-manager (kind 6) replaces a different provider and keeps an equal one', () => {
    const j = journal();
    const base = { ...baseOf(res('stack')), secrets_providers: { type: 'passphrase', state: { salt: 'v1:abc' } } };
    const changed = replayJournal(base, [j.secrets('service', { url: 'u' })], opts);
    assert.deepEqual(changed.deployment.secrets_providers, { type: 'service', state: { url: 'u' } });
    const same = replayJournal(base, [journal().secrets('passphrase', { salt: 'v1:abc' })], opts);
    assert.deepEqual(same.deployment.secrets_providers, { type: 'passphrase', state: { salt: 'v1:abc' } });
  });

  void it('extensions: journal blobs are added, the base wins on the same ref; features and version 4', () => {
    const j = journal();
    const base = { ...baseOf(res('stack')), extensions: { shared: { name: 'base', version: '1', value: 'QQ==' } } };
    const out = replayJournal(
      base,
      [
        j.e(K.ExtensionParameterize, 1, { extensionRef: 'shared', extension: { name: 'journal', version: '2', value: 'Qg==' } }),
        j.e(K.ExtensionParameterize, 2, { extensionRef: 'new', extension: { name: 'ext', version: '1', value: 'Qw==' } }),
        j.success(3, { state: res('e', { extensionRef: 'new' }) }),
      ],
      opts,
    );
    assert.deepEqual(Object.keys(out.deployment.extensions ?? {}), ['new', 'shared']);
    assert.equal(out.deployment.extensions?.['shared']?.name, 'base');
    assert.equal(out.version, 4);
    assert.deepEqual(out.features, ['extensionParameterization']);
  });

  void it('snippets (kind 9) replace the base snippets and need the snippets-prototype feature', () => {
    const j = journal();
    const snippet = { uuid: 'u1', name: 'n', type: 't', code: 'c', descriptor: { name: 'pkg' }, references: { r: urn('old') } };
    const out = replayJournal(
      baseOf(res('stack'), res('new', { aliases: [urn('old')] })),
      [j.e(K.Snippets, 0, { snippets: [snippet] })],
      opts,
    );
    assert.equal(out.version, 4);
    assert.deepEqual(out.features, ['snippets-prototype']);
    // Snippet references are URN-normalised like resources.
    assert.deepEqual(out.deployment.snippets?.[0]?.references, { r: urn('new') });
    const cleared = replayJournal(baseOf(), [journal().e(K.Snippets, 0, { snippets: null })], opts);
    assert.equal(cleared.deployment.snippets, undefined);
  });

  void it('features come from every emitted resource; requiresByteString is sticky', () => {
    const j = journal();
    const out = replayJournal(
      baseOf(res('stack'), res('t', { taint: true })),
      [j.e(K.Begin, 1, { requiresByteString: true }), j.failure(1)],
      opts,
    );
    assert.equal(out.version, 4);
    assert.deepEqual(out.features, ['byteString', 'taint']);
  });

  void it('aliases are normalised away and references follow the rename', () => {
    const j = journal();
    const out = replayJournal(
      baseOf(res('stack'), res('old'), res('dep', { dependencies: [urn('old')] })),
      [j.success(1, { state: res('new', { aliases: [urn('old')] }) }), j.success(2, { removeOld: 1 })],
      opts,
    );
    assert.deepEqual(names(out.deployment.resources), ['new', 'stack', 'dep']);
    assert.equal('aliases' in (out.deployment.resources?.[0] ?? {}), false);
    assert.deepEqual(out.deployment.resources?.[2]?.dependencies, [urn('new')]);
  });
});

void describe('JournalReplayer: delivery (order, retries, atomicity)', () => {
  function cbdJournal(): JournalEntry[] {
    const j = journal();
    const a2 = res('a', { id: 'id-a2' });
    return [
      j.secrets(),
      j.begin(1),
      j.success(1, { state: res('stack'), removeOld: 0 }),
      j.begin(2),
      j.success(2, { state: res('prov'), removeOld: 1 }),
      j.begin(3, { resource: a2, type: 'creating' }),
      j.begin(4, { resource: res('n'), type: 'creating' }),
      j.success(4, { state: res('n') }),
      j.success(3, { state: a2, deleteOld: 2 }),
      j.begin(5, { resource: res('a'), type: 'deleting' }),
      j.success(5, { removeOld: 2 }),
    ];
  }
  const expected = replayJournal(baseOf(res('stack'), res('prov'), res('a')), cbdJournal(), opts);

  void it('batches in any order, retried and overlapping, give the sequence-order result', () => {
    const entries = cbdJournal();
    const r = new JournalReplayer(baseOf(res('stack'), res('prov'), res('a')), opts);
    const first = r.apply([entries[0], entries[2], entries[1], entries[3]]);
    assert.deepEqual(first, { accepted: 4, duplicates: 0, replayedFromBase: false });
    // Ids 9 and 8 (unsorted, skipping 5..7): above everything applied, so applied incrementally.
    const second = r.apply([entries[8], entries[7]]);
    assert.deepEqual(second, { accepted: 2, duplicates: 0, replayedFromBase: false });
    // A retry of 1..8: the known ones are ignored; 5..7 are below id 9, so everything received is
    // replayed from the base in id order.
    const third = r.apply(entries.slice(0, 8));
    assert.deepEqual(third, { accepted: 3, duplicates: 5, replayedFromBase: true });
    const fourth = r.apply(entries.slice(8));
    assert.deepEqual(fourth, { accepted: 2, duplicates: 1, replayedFromBase: false });
    assert.equal(r.lastSequenceID, 11);
    assert.equal(r.entryCount, 11);
    assert.deepEqual(r.snapshot(), expected);
    assert.deepEqual(names(expected.deployment.resources), ['stack', 'prov', 'n', 'a']);
  });

  void it('one entry at a time equals all at once', () => {
    const r = new JournalReplayer(baseOf(res('stack'), res('prov'), res('a')), opts);
    for (const e of cbdJournal()) r.apply([e]);
    assert.deepEqual(r.snapshot(), expected);
  });

  void it('the same sequenceID with different content is rejected and nothing of the batch is taken', () => {
    const entries = cbdJournal();
    const r = new JournalReplayer(baseOf(res('stack'), res('prov'), res('a')), opts);
    r.apply(entries.slice(0, 5));
    const before = r.snapshot();
    const forged = { ...entries[2], state: res('stack', { outputs: { forged: true } }) } as JournalEntry;
    assert.throws(
      () => r.apply([entries[5], forged]),
      (err: unknown) => err instanceof JournalReplayError && err.reason === 'sequence-conflict' && err.sequenceID === 3,
    );
    assert.equal(r.entryCount, 5);
    assert.deepEqual(r.snapshot(), before);
  });

  void it('invalid entries are rejected before anything is applied', () => {
    const r = new JournalReplayer(baseOf(res('stack')), opts);
    const ok = journal().success(1, { state: res('x') });
    for (const bad of [
      { kind: K.Success, sequenceID: 0 },
      { kind: K.Success, sequenceID: 2.5 },
      { kind: 'x', sequenceID: 3 },
      { kind: K.Success, sequenceID: 4, removeOld: '1' },
      { kind: K.Success, sequenceID: 5, state: { id: 'no-urn' } },
      { kind: K.Write, sequenceID: 6 },
      { kind: K.ExtensionParameterize, sequenceID: 7, extensionRef: 'r' },
    ]) {
      assert.throws(() => r.apply([ok, bad as unknown as JournalEntry]), (err: unknown) => err instanceof JournalReplayError && err.reason === 'invalid-entry');
    }
    assert.equal(r.entryCount, 0);
    assert.equal(r.snapshot().deployment.resources?.length, 1);
  });

  void it('a replay failure mid-batch rolls the replayer back', () => {
    const j = journal();
    const r = new JournalReplayer(baseOf(res('stack')), opts);
    r.apply([j.begin(1, { resource: res('stack'), type: 'deleting' }), j.success(1, { removeOld: 0 })]);
    const before = r.snapshot();
    // The secrets entry applies, then deleteNew names a resource while this journal has produced
    // none: Go panics (index out of range); here a JournalReplayError, and the batch is undone.
    assert.throws(
      () => r.apply([j.secrets('passphrase', { salt: 's' }), j.success(2, { deleteNew: 7 })]),
      (err: unknown) => err instanceof JournalReplayError && err.reason === 'replay-failed' && err.sequenceID === 4,
    );
    assert.deepEqual(r.snapshot(), before);
    assert.equal(r.entryCount, 2);
    assert.equal(r.lastSequenceID, 2);
    assert.equal(r.problems.length, 0);
  });

  void it('an operation id that produced no resource resolves to index 0, as in the reference, and is reported', () => {
    const j = journal();
    const r = new JournalReplayer(baseOf(), opts);
    r.apply([j.success(1, { state: res('x') }), j.success(2, { state: res('y') }), j.success(3, { removeNew: 42 })]);
    assert.deepEqual(names(r.snapshot().deployment.resources), ['y']);
    assert.equal(r.problems.length, 1);
    assert.match(r.problems[0] ?? '', /removeNew 42/);
  });

  void it('unknown kinds are ignored (reported), as the reference does', () => {
    const j = journal();
    const r = new JournalReplayer(baseOf(res('stack')), opts);
    r.apply([j.e(42, 1, { state: res('x') })]);
    assert.deepEqual(names(r.snapshot().deployment.resources), ['stack']);
    assert.equal(r.problems.length, 1);
  });

  void it('never modifies the caller’s base or entries', () => {
    const base = baseOf(res('stack'), res('a'));
    const j = journal();
    const entries = [j.success(1, { state: res('x') }), j.success(2, { state: res('y'), deleteNew: 1 }), j.success(3, { pendingReplacementOld: 1 })];
    const baseCopy = structuredClone(base);
    const entriesCopy = structuredClone(entries);
    const out = replayJournal(base, entries, opts);
    assert.deepEqual(names(out.deployment.resources), ['x(delete)', 'y', 'stack', 'a(pending)']);
    assert.deepEqual(base, baseCopy);
    assert.deepEqual(entries, entriesCopy);
  });
});
