import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { PulumiCli, type PulumiCliOptions, tempDir } from '@stackyard/testing';
import { RawApi } from '../robustness/support/raw-api';
import { apiLogText, countOccurrences, type ExportedDeployment, normalizeExportedState } from '../support/exported-state';
import { killMidUpdate } from '../support/kill-mid-update';
import { runProgram } from '../support/program';
import type { RunnerRequest, RunnerResult } from '../support/program-runner';
import { startSuiteInMode, type StartedSuite } from '../support/suite-modes';
import { UPLOAD_MODE_ENV, type UploadMode } from '../support/upload-mode';
import { DRIFT_FILE_ENV, type WorkflowProgramSpec } from '../support/workflow-program';

/**
 * The acceptance items for state uploads, end to end with the real CLI:
 * (a) the final state after up / refresh / destroy is identical in all three upload modes
 *     (journal, delta, checkpoint; pulumi-protocol.md §3.5–3.6) and equal to what the CLI's own
 *     file:// (diy) backend produces for the same program;
 * (b) journal replay (libs/stacks/domain/src/journal/journal-replayer.ts, unit-tested case by case
 *     in journal-replayer.spec.ts) gets each case the reference replayer handles from the real
 *     CLI: creates, updates, deletes, create-before-delete and delete-before-create replacements,
 *     pending operations after a killed CLI, refresh, outputs, a secrets-manager change and a
 *     rebuilt base state.
 *
 * Four sides run the same steps at the same time: three embedded Stackyard suites, one per upload
 * mode, and a file:// backend. After every step each side's `pulumi stack export` (plain, and
 * with `--show-secrets` so decryptability and the decrypted values are compared as well) must be
 * equal once the values that legitimately differ are masked (`normalize`, `withoutBackendKind`).
 * The journal side's stored batches show which entry kinds each step really produced.
 */

const PROJECT = 'e2e-upload-modes';
const STACK = 'dev';
const DB_PASSWORD = 'upload modes password';
const PASSPHRASE = 'upload modes passphrase';
const SUITE_ENV: Record<UploadMode, Record<string, string>> = {
  // The journal side's stored batches are read back from objects/ to count what the CLI sent
  // (newJournalEntries), so they are kept unsealed; sealing has its own tests (e2e/secrets).
  journal: { ...UPLOAD_MODE_ENV.journal, STACKYARD_OBJECT_ENCRYPTION: 'false' },
  // Small enough that the CLI sends deltas from an update's second save on.
  delta: { ...UPLOAD_MODE_ENV.delta, STACKYARD_CHECKPOINT_CUTOFF_BYTES: '2048' },
  checkpoint: UPLOAD_MODE_ENV.checkpoint,
};

// --- the program at each step -------------------------------------------------------------------

/** 20 items and a component (2 children) that registers outputs; secret inputs, outputs, config. */
const P1: WorkflowProgramSpec = { resources: 20, generation: 1, component: { round: 1, children: 2 } };
/**
 * Updates 1–3 (relabelled), replaces 5 and 6 create-before-delete and 7 and 8 delete-before-create,
 * deletes 4 and 9, creates 20–23 and a third component child, updates the other two children and
 * changes the component's and the stack's outputs.
 */
const P2: WorkflowProgramSpec = {
  resources: 24,
  generation: 1,
  omit: [4, 9],
  relabel: [1, 2, 3],
  replace: [5, 6],
  replaceDeleteFirst: [7, 8],
  component: { round: 2, children: 3 },
};
/** What the dynamic provider's `read` reports during the step-3 refresh. */
const DRIFT_3 = { '2': { label: 'drifted outside pulumi' }, '11': { label: 'drifted outside pulumi' }, '1000': { label: 'drifted outside pulumi' }, '12': 'gone' };
/** … and during the refresh of step 4's `up --refresh`, which also relabels 13. */
const DRIFT_4 = { '3': { label: 'drifted again' }, '14': 'gone' };
const P4: WorkflowProgramSpec = { ...P2, relabel: [1, 2, 3, 13] };
/** Step 6: relabels 10 and creates 24 and 25; the create of 25 hangs until the CLI is killed. */
const P6: WorkflowProgramSpec = { ...P4, resources: 26, relabel: [1, 2, 3, 13, 10] };
const BLOCKED = 25;

// --- sides ----------------------------------------------------------------------------------------

type SideName = UploadMode | 'file';

/** The CLI with the side's own additions to the hermetic environment (runner, CLI and plugins inherit it). */
class SideCli extends PulumiCli {
  constructor(
    options: PulumiCliOptions,
    private readonly sideEnv: Record<string, string | undefined>,
  ) {
    super(options);
  }

  override env(extra?: Record<string, string | undefined>): NodeJS.ProcessEnv {
    return super.env({ ...this.sideEnv, ...extra });
  }
}

interface Side {
  name: SideName;
  cli: PulumiCli;
  projectDir: string;
  /** `org/project/dev` on Stackyard, `dev` on the file:// backend (both give `urn:pulumi:dev::…`). */
  stackName: string;
  /** Masked in states (Stackyard's api URL; the file:// backend's URL, which no state contains). */
  apiUrl: string;
  started?: StartedSuite;
  driftFile: string;
  readStoredState(): Promise<ExportedDeployment | undefined>;
}

const projectDirFor = (name: SideName): string => {
  const dir = tempDir(`stackyard-e2e-upload-modes-${name}`);
  writeFileSync(join(dir, 'Pulumi.yaml'), `name: ${PROJECT}\nruntime: nodejs\ndescription: Stackyard upload modes\n`);
  return dir;
};

async function prepareStackyard(name: UploadMode, started: StartedSuite, binary: string): Promise<Side> {
  const { suite } = started;
  const projectDir = projectDirFor(name);
  const driftFile = join(projectDir, 'drift.json');
  // The passphrase is for step 5, which moves the stack to the passphrase secrets manager.
  const cli = new SideCli({ binary, caFile: suite.caFile, accessToken: suite.adminToken, cwd: projectDir }, { PULUMI_CONFIG_PASSPHRASE: PASSPHRASE, [DRIFT_FILE_ENV]: driftFile });
  await cli.login(suite.apiUrl);
  const stackName = `${suite.org}/${PROJECT}/${STACK}`;
  await cli.ok(['stack', 'init', stackName]);
  await cli.ok(['config', 'set', '--secret', 'dbPassword', DB_PASSWORD]);
  const raw = new RawApi(suite.apiUrl, readFileSync(suite.caFile), suite.adminToken);
  return {
    name,
    cli,
    projectDir,
    stackName,
    apiUrl: suite.apiUrl,
    started,
    driftFile,
    readStoredState: () => raw.ok<ExportedDeployment>('GET', `/api/stacks/${suite.org}/${PROJECT}/${STACK}/export`),
  };
}

/** The CLI's own diy backend in a directory: `pulumi login file://…`, passphrase secrets. */
async function prepareFile(binary: string): Promise<Side> {
  const projectDir = projectDirFor('file');
  const backendDir = tempDir('stackyard-e2e-upload-modes-diy');
  const driftFile = join(projectDir, 'drift.json');
  const cli = new SideCli(
    { binary, caFile: '', accessToken: '', cwd: projectDir },
    { PULUMI_ACCESS_TOKEN: undefined, SSL_CERT_FILE: undefined, PULUMI_CONFIG_PASSPHRASE: PASSPHRASE, [DRIFT_FILE_ENV]: driftFile },
  );
  const url = `file://${backendDir}`;
  await cli.login(url);
  await cli.ok(['stack', 'init', STACK]);
  await cli.ok(['config', 'set', '--secret', 'dbPassword', DB_PASSWORD]);
  // The diy backend's checkpoint file (`{version, checkpoint: {stack, latest}}`), written atomically.
  const stateFile = join(backendDir, '.pulumi', 'stacks', PROJECT, `${STACK}.json`);
  return {
    name: 'file',
    cli,
    projectDir,
    stackName: STACK,
    apiUrl: url,
    driftFile,
    readStoredState: () => {
      try {
        const file = JSON.parse(readFileSync(stateFile, 'utf8')) as { version: number; checkpoint: { latest?: ExportedDeployment['deployment'] } };
        return Promise.resolve(file.checkpoint.latest ? { version: file.version, deployment: file.checkpoint.latest } : undefined);
      } catch {
        // Not written yet (or, should the write not be atomic, half written): ask again.
        return Promise.resolve(undefined);
      }
    },
  };
}

// --- comparing states -----------------------------------------------------------------------------

interface NormalizedState {
  deployment: { secrets_providers?: { type?: string; state?: { salt?: string } } | string } & Record<string, unknown>;
}

/**
 * normalizeExportedState (timestamps, ciphertexts, uuids, item ids, paths, api URL), plus two
 * masks of our own, the same on every side:
 * - a passphrase secrets manager's `salt` is random per stack (each side mints its own in step 5);
 *   its `type` is compared;
 * - `propertyDependencies` entries with an empty list, and a `propertyDependencies` left empty,
 *   are dropped: "no dependencies" has two spellings. The CLI's snapshot manager writes
 *   `{"label": []}` for every input; the journal replay of an update that contains a refresh
 *   prunes dependencies (pkg/backend/journal.go GenerateDeployment → rebuildDependencies, whose
 *   `hasRefresh` outlives the RebuiltBaseState entry) and thereby drops the empty lists of every
 *   resource, also of those the update re-registered after the refresh (step 4). Pulumi's own
 *   check that a journal reproduces the snapshot manager's state normalises exactly this away
 *   (pkg/resource/stack/snapshot/equal.go AssertEqual: "We normalize empty slices away").
 *   Non-empty dependency lists are compared.
 */
function normalize(side: Side, state: ExportedDeployment, keepPlaintext: boolean): NormalizedState {
  const n = normalizeExportedState(state, { projectDir: side.projectDir, apiUrl: side.apiUrl, keepPlaintext }) as NormalizedState;
  const sp = n.deployment.secrets_providers;
  if (typeof sp === 'object' && sp.type === 'passphrase' && sp.state?.salt !== undefined) sp.state.salt = '<salt>';
  const resources = [...((n.deployment['resources'] ?? []) as Array<Record<string, unknown>>), ...((n.deployment['pending_operations'] ?? []) as Array<{ resource: Record<string, unknown> }>).map((op) => op.resource)];
  for (const res of resources) {
    const deps = res['propertyDependencies'] as Record<string, unknown[]> | undefined;
    if (deps === undefined) continue;
    for (const key of Object.keys(deps)) if (Array.isArray(deps[key]) && deps[key].length === 0) delete deps[key];
    if (Object.keys(deps).length === 0) delete res['propertyDependencies'];
  }
  return n;
}

/**
 * For comparisons with the file:// backend only: its stacks cannot use the service secrets manager
 * (pkg/secrets/service needs an httpstate backend), so a diy stack is on `passphrase` where a
 * Stackyard stack is on `service`. The block names the manager, not resource content; everything
 * encrypted with it is compared decrypted (`--show-secrets`). Nothing else needs masking.
 */
function withoutBackendKind(state: NormalizedState): NormalizedState {
  return { ...state, deployment: { ...state.deployment, secrets_providers: '<differs between a service and a diy backend>' } };
}

interface Exported {
  raw: ExportedDeployment;
  plain: NormalizedState;
  shown: NormalizedState;
}

async function exportSide(side: Side): Promise<Exported> {
  const [raw, revealed] = await Promise.all([
    side.cli.json<ExportedDeployment>(['stack', 'export', '--stack', side.stackName]),
    side.cli.json<ExportedDeployment>(['stack', 'export', '--show-secrets', '--stack', side.stackName]),
  ]);
  return { raw, plain: normalize(side, raw, false), shown: normalize(side, revealed, true) };
}

/**
 * A state without its pending operations: for the delta side of a killed update. The CLI's
 * verbatim/delta text layout (pkg/backend/httpstate/diffs.go marshalSpannedDeployment) writes
 * pending operations only when there are more than 9 (and then under `pendingOperations`, a key
 * the CLI itself does not read back), so a delta-mode update killed with one operation in flight
 * leaves none behind (pulumi-protocol.md §3.5, "Quirk"). That is the CLI's doing, and the same
 * against any service; the rest of the state is compared.
 */
function withoutPendingOperations(state: NormalizedState): NormalizedState {
  const { pending_operations: _dropped, ...deployment } = state.deployment;
  return { ...state, deployment };
}

interface CompareOptions {
  /** Sides that cannot have pending operations at this point (see withoutPendingOperations). */
  noPendingOperations?: SideName[];
}

/** Exports every side and insists that the states are the same; returns the raw exports by side. */
async function compareSides(sides: Side[], label: string, options: CompareOptions = {}): Promise<Record<SideName, ExportedDeployment>> {
  const exported = await Promise.all(sides.map(exportSide));
  const by = Object.fromEntries(sides.map((s, i) => [s.name, exported[i]])) as Record<SideName, Exported>;
  const dropped = options.noPendingOperations ?? [];
  for (const name of dropped) assert.equal(by[name].raw.deployment.pending_operations, undefined, `${label}: ${name} has no pending operations`);
  const pair = (a: SideName, b: SideName, mask: (s: NormalizedState) => NormalizedState) => {
    const view = (s: NormalizedState) => mask(dropped.includes(a) || dropped.includes(b) ? withoutPendingOperations(s) : s);
    const what = b === 'file' ? 'file://' : b;
    assert.deepEqual(view(by[a].plain), view(by[b].plain), `${label}: ${a} vs ${what}`);
    assert.deepEqual(view(by[a].shown), view(by[b].shown), `${label}: ${a} vs ${what} (secrets decrypted)`);
  };
  for (const name of ['journal', 'delta'] as const) pair(name, 'checkpoint', (s) => s);
  for (const name of ['journal', 'delta', 'checkpoint'] as const) pair(name, 'file', withoutBackendKind);
  return Object.fromEntries(sides.map((s, i) => [s.name, exported[i].raw])) as Record<SideName, ExportedDeployment>;
}

// --- what the journal side really received ---------------------------------------------------------

interface StoredEntry {
  kind: number;
  sequenceID: number;
  operationID?: number;
  state?: { urn: string } | null;
  operation?: { type: string } | null;
  secretsProvider?: { type: string } | null;
  isRefresh?: boolean;
  removeOld?: number | null;
  removeNew?: number | null;
  deleteOld?: number | null;
  deleteNew?: number | null;
  pendingReplacementOld?: number | null;
  pendingReplacementNew?: number | null;
}

const KIND_NAMES = ['begin', 'success', 'failure', 'refresh-success', 'outputs', 'write', 'secrets-manager', 'rebuilt-base-state', 'extension-parameterize', 'snippets'];
const INDEX_FIELDS = ['removeOld', 'removeNew', 'deleteOld', 'deleteNew', 'pendingReplacementOld', 'pendingReplacementNew'] as const;

interface JournalSummary {
  updates: number;
  kinds: Record<string, number>;
  fields: Record<(typeof INDEX_FIELDS)[number], number>;
  /** Successes with a state that replaces nothing: new resources (creates, create-before-delete replacements). */
  created: number;
  /** Successes without a state that remove a resource: deletes. */
  deleted: number;
  /** Refresh results without a state: the resource is gone. */
  refreshGone: number;
  secretsProviders: string[];
  /** Begun operations (creating/updating/deleting) that never ended: pending operations. */
  unfinished: string[];
}

/**
 * Reads the journal batches the api stored (embedded mode: the disk object store,
 * `stacks/<stackId>/journal/<version>/<n>.json.gz`, libs/stacks/data-access/src/journal.store.ts)
 * for the updates that `seen` does not list yet, and summarises their entries.
 */
function newJournalEntries(started: StartedSuite, seen: Set<string>): JournalSummary {
  const stacks = join(started.suite.dataDir, 'objects', 'stacks');
  const summary: JournalSummary = {
    updates: 0,
    kinds: {},
    fields: { removeOld: 0, removeNew: 0, deleteOld: 0, deleteNew: 0, pendingReplacementOld: 0, pendingReplacementNew: 0 },
    created: 0,
    deleted: 0,
    refreshGone: 0,
    secretsProviders: [],
    unfinished: [],
  };
  for (const stackId of existsSync(stacks) ? readdirSync(stacks) : []) {
    const journals = join(stacks, stackId, 'journal');
    if (!existsSync(journals)) continue;
    for (const version of readdirSync(journals).sort((a, b) => Number(a) - Number(b))) {
      const key = `${stackId}/${version}`;
      if (seen.has(key)) continue;
      seen.add(key);
      summary.updates++;
      const batches = readdirSync(join(journals, version)).filter((f) => /^\d+\.json\.gz$/.test(f));
      const entries = batches.flatMap((f) => (JSON.parse(gunzipSync(readFileSync(join(journals, version, f))).toString('utf8')) as { entries: StoredEntry[] }).entries);
      const open = new Map<number, string>();
      for (const e of [...entries].sort((a, b) => a.sequenceID - b.sequenceID)) {
        const kind = KIND_NAMES[e.kind] ?? `unknown-${e.kind}`;
        summary.kinds[kind] = (summary.kinds[kind] ?? 0) + 1;
        for (const field of INDEX_FIELDS) if (e[field] !== null && e[field] !== undefined) summary.fields[field]++;
        const removes = (e.removeOld ?? e.removeNew ?? null) !== null;
        if (e.kind === 1 && e.state && !removes) summary.created++;
        if (e.kind === 1 && !e.state && removes) summary.deleted++;
        if (e.kind === 3 && !e.state) summary.refreshGone++;
        if (e.kind === 6) summary.secretsProviders.push(e.secretsProvider?.type ?? '<none>');
        if (e.kind === 0 && e.operation) open.set(e.operationID ?? 0, e.operation.type);
        if (e.kind === 1 || e.kind === 2 || e.kind === 3) open.delete(e.operationID ?? 0);
      }
      summary.unfinished.push(...open.values());
    }
  }
  return summary;
}

// --- helpers ---------------------------------------------------------------------------------------

const resourcesOf = (state: ExportedDeployment) => (state.deployment.resources ?? []) as unknown as Array<{ urn: string; type: string; outputs?: Record<string, unknown> }>;
const itemUrns = (state: ExportedDeployment) => resourcesOf(state).map((r) => r.urn).filter((u) => /::item-\d+$/.test(u));
const itemOf = (state: ExportedDeployment, index: number) => resourcesOf(state).find((r) => r.urn.endsWith(`::item-${index}`));
const secretsProviderOf = (state: ExportedDeployment) => (state.deployment['secrets_providers'] as { type: string; state?: { salt?: string } } | undefined) ?? undefined;

async function runEverywhere(sides: Side[], request: Omit<RunnerRequest, 'pulumiRoot' | 'workDir' | 'projectName' | 'stackName'>): Promise<Record<SideName, RunnerResult>> {
  const results = await Promise.all(
    sides.map(async (side) => {
      const r = await runProgram(side.cli, { ...request, projectName: PROJECT, stackName: side.stackName });
      assert.equal(r.result, 'succeeded', `${side.name}: ${request.op} ${r.result}`);
      return r;
    }),
  );
  return Object.fromEntries(sides.map((s, i) => [s.name, results[i]])) as Record<SideName, RunnerResult>;
}

/** The same resource changes on every side (they ran the same program on the same state). */
function sameChanges(results: Record<SideName, RunnerResult>, label: string): Record<string, number> {
  const changes = results.file.resourceChanges ?? {};
  for (const [name, r] of Object.entries(results)) assert.deepEqual(r.resourceChanges, changes, `${label}: ${name} made other changes than file://`);
  return changes;
}

// --- the test --------------------------------------------------------------------------------------

void describe('upload modes with the real CLI: journal, delta and checkpoint end in the file:// backend’s state', { timeout: 40 * 60_000 }, () => {
  let sides: Side[];
  let bySide: Record<SideName, Side>;
  const journalSeen = new Set<string>();
  const journal = () => newJournalEntries(bySide.journal.started as StartedSuite, journalSeen);

  before(async () => {
    const binary = await PulumiCli.binaryPath();
    const suites = await Promise.all((['journal', 'delta', 'checkpoint'] as const).map((mode) => startSuiteInMode('embedded', { extraEnv: SUITE_ENV[mode] })));
    try {
      sides = await Promise.all([
        prepareStackyard('journal', suites[0], binary),
        prepareStackyard('delta', suites[1], binary),
        prepareStackyard('checkpoint', suites[2], binary),
        prepareFile(binary),
      ]);
    } catch (error) {
      await Promise.all(suites.map((s) => s.stop()));
      throw error;
    }
    bySide = Object.fromEntries(sides.map((s) => [s.name, s])) as Record<SideName, Side>;
  });

  after(async () => {
    await Promise.all((sides ?? []).flatMap((s) => (s.started ? [s.started.stop()] : [])));
  });

  void it('1. up: creates (20 items, a component with outputs, secret outputs)', async (t) => {
    const results = await runEverywhere(sides, { op: 'up', program: P1 });
    const changes = sameChanges(results, 'step 1');
    // 20 items + 2 children + the component + the stack (the default provider is not counted).
    assert.equal(changes['create'], 24, JSON.stringify(changes));
    const states = await compareSides(sides, 'step 1');
    assert.equal(secretsProviderOf(states.journal)?.type, 'service');
    const j = journal();
    t.diagnostic(`journal: ${JSON.stringify(j)}`);
    assert.equal(j.updates, 1);
    // The first journal of a stack sets the secrets manager of a base that has none.
    assert.deepEqual(j.secretsProviders, ['service']);
    assert.equal(j.created, 25, 'creates: those 24 and the default provider');
    assert.ok((j.kinds['outputs'] ?? 0) >= 2, 'outputs of the stack and the component');
  });

  void it('2. up: updates, create-before-delete and delete-before-create replacements, deletes, creates, changed outputs', async (t) => {
    const results = await runEverywhere(sides, { op: 'up', program: P2 });
    const changes = sameChanges(results, 'step 2');
    t.diagnostic(`changes: ${JSON.stringify(changes)}`);
    assert.equal(changes['replace'], 4, 'items 5 and 6 (create-before-delete), 7 and 8 (delete-before-create)');
    assert.equal(changes['delete'], 2, 'items 4 and 9');
    assert.equal(changes['create'], 5, 'items 20–23 and the third child');
    assert.equal(changes['update'], 5, 'items 1–3 and the two children');
    const states = await compareSides(sides, 'step 2');
    const outputsOf = (type: string) => resourcesOf(states.journal).find((r) => r.type === type)?.outputs;
    assert.equal(outputsOf('e2e:index:Group')?.['round'], 2, 'the component registered its new outputs');
    assert.match(String(outputsOf('pulumi:pulumi:Stack')?.['groupSummary']), /^round 2: /, 'the stack output changed');
    const j = journal();
    t.diagnostic(`journal: ${JSON.stringify(j)}`);
    assert.equal(j.created, 7, 'new resources: items 20–23, the third child, and the create-before-delete replacements of 5 and 6');
    assert.equal(j.deleted, 4, 'deletes: items 4 and 9, and the replaced 5 and 6');
    assert.ok(j.fields.deleteOld >= 2, 'create-before-delete marks the replaced resource for deletion (deleteOld)');
    assert.ok(j.fields.pendingReplacementOld >= 2, 'delete-before-create marks the old resource pending replacement (pendingReplacementOld)');
    assert.ok(j.fields.removeOld >= 2 + 2 + 3, 'updates, deletes and replacements remove the base resource (removeOld)');
    assert.ok((j.kinds['outputs'] ?? 0) >= 2, 'changed outputs of the stack and the component');
  });

  void it('3. refresh: drifted outputs and a resource gone outside Pulumi', async (t) => {
    for (const side of sides) writeFileSync(side.driftFile, JSON.stringify(DRIFT_3));
    await runEverywhere(sides, { op: 'refresh', program: P2 });
    const states = await compareSides(sides, 'step 3');
    assert.equal(itemOf(states.journal, 2)?.outputs?.['label'], 'drifted outside pulumi');
    assert.equal(itemOf(states.journal, 12), undefined, 'item 12 is gone');
    const j = journal();
    t.diagnostic(`journal: ${JSON.stringify(j)}`);
    assert.ok((j.kinds['refresh-success'] ?? 0) >= 20, 'refresh results');
    assert.equal(j.refreshGone, 1, 'one refresh result without a state (item 12)');
    assert.equal(j.kinds['rebuilt-base-state'], 1, 'the refresh rebuilt the base state');
  });

  void it('4. up --refresh: refresh, rebuilt base state, then recreate, update back and relabel', async (t) => {
    for (const side of sides) writeFileSync(side.driftFile, JSON.stringify(DRIFT_4));
    const results = await runEverywhere(sides, { op: 'up', program: P4, refresh: true });
    const changes = sameChanges(results, 'step 4');
    t.diagnostic(`changes: ${JSON.stringify(changes)}`);
    assert.equal(changes['create'], 2, 'items 12 and 14 are back');
    for (const side of sides) writeFileSync(side.driftFile, '{}');
    const states = await compareSides(sides, 'step 4');
    assert.equal(itemOf(states.journal, 2)?.outputs?.['label'], 'item number 2 (relabelled)', 'drift undone');
    const j = journal();
    t.diagnostic(`journal: ${JSON.stringify(j)}`);
    assert.ok((j.kinds['refresh-success'] ?? 0) >= 20, 'refresh results');
    assert.equal(j.refreshGone, 1, 'item 14 is gone');
    assert.equal(j.kinds['rebuilt-base-state'], 1, 'the base state was rebuilt before the update steps');
    assert.ok((j.kinds['success'] ?? 0) > 0, 'update steps after the rebuilt base state');
  });

  void it('5. secrets manager: change-secrets-provider, then an update with the stack config from before', async (t) => {
    const configFile = (side: Side) => join(side.projectDir, `Pulumi.${STACK}.yaml`);
    const before = Object.fromEntries(sides.map((s) => [s.name, readFileSync(configFile(s), 'utf8')])) as Record<SideName, string>;
    const saltBefore = secretsProviderOf(await bySide.file.cli.json<ExportedDeployment>(['stack', 'export']))?.state?.salt;

    // `pulumi stack change-secrets-provider` re-encrypts the config and exports, re-encrypts and
    // *imports* the state (pkg/cmd/pulumi/stack/stack_change_secrets_provider.go,
    // migrateOldConfigAndCheckpointToNewSecretsProvider → backend.ImportStackDeployment): on a
    // service backend that is the import update (pulumi-protocol.md §3.8), never a journal. On the
    // file:// side `passphrase` → `passphrase` is a rotation (a new salt).
    // A non-interactive rotation reads the new passphrase from stdin (secrets/passphrase/manager.go
    // promptForNewPassphrase); the service → passphrase change takes PULUMI_CONFIG_PASSPHRASE.
    await Promise.all(sides.map((s) => s.cli.ok(['stack', 'change-secrets-provider', 'passphrase'], { input: `${PASSPHRASE}\n` })));
    const changed = await compareSides(sides, 'step 5, after change-secrets-provider');
    for (const side of sides) assert.equal(secretsProviderOf(changed[side.name])?.type, 'passphrase', side.name);
    assert.notEqual(secretsProviderOf(changed.file)?.state?.salt, saltBefore, 'file:// rotated its salt');

    // The journal's secrets-manager entry (kind 6) is written at the start of every journaled
    // update (engine/journal_snapshot.go NewJournalSnapshotManagerWithVersion →
    // RegisterSecretsManager) with the update's secrets manager, which comes from the stack config
    // (cmd/pulumi/stack/secrets.go GetSecretsManager). It differs from the base state's exactly
    // when the config and the state disagree — as with a checkout whose Pulumi.dev.yaml predates
    // someone else's change-secrets-provider. Then the new state takes the config's manager in
    // every mode (backend/snapshot.go: the base's manager is kept only if `secrets.AreCompatible`).
    for (const side of sides) writeFileSync(configFile(side), before[side.name]);
    const results = await runEverywhere(sides, { op: 'up', program: P4 });
    const changes = sameChanges(results, 'step 5');
    assert.deepEqual(Object.keys(changes), ['same'], `nothing but the secrets manager changes: ${JSON.stringify(changes)}`);
    const states = await compareSides(sides, 'step 5, after the update');
    for (const name of ['journal', 'delta', 'checkpoint'] as const) assert.equal(secretsProviderOf(states[name])?.type, 'service', name);
    assert.equal(secretsProviderOf(states.file)?.state?.salt, saltBefore, 'file:// is back on the salt of its config');
    const j = journal();
    t.diagnostic(`journal: ${JSON.stringify(j)}`);
    assert.equal(j.updates, 1, 'the import wrote no journal; the update did');
    assert.deepEqual(j.secretsProviders, ['service'], 'a service secrets manager entry over a passphrase base');
  });

  void it('6. a CLI killed mid-update: pending operation, cancel, refresh, up, refresh --clear-pending-creates', async (t) => {
    const partial = await Promise.all(
      sides.map((side) => {
        const dir = join(side.projectDir, 'kill');
        mkdirSync(dir);
        return killMidUpdate({
          cli: side.cli,
          projectName: PROJECT,
          stackName: side.stackName,
          program: P6,
          blockIndex: BLOCKED,
          dir,
          readStoredState: () => side.readStoredState(),
          settled: (state) => itemOf(state, 24) !== undefined && itemOf(state, 10)?.outputs?.['label'] === 'item number 10 (relabelled)',
        });
      }),
    );
    for (const [i, side] of sides.entries()) {
      if (side.name === 'delta') continue; // see withoutPendingOperations
      const ops = (partial[i].deployment.pending_operations ?? []) as Array<{ type: string; resource: { urn: string } }>;
      assert.deepEqual(
        ops.map((op) => [op.type, op.resource.urn.replace(/.*::/, '')]),
        [['creating', `item-${BLOCKED}`]],
        `${side.name}: the blocked create is the one pending operation`,
      );
    }
    for (const [i, side] of sides.entries()) assert.equal(itemOf(partial[i], BLOCKED), undefined, `${side.name}: the blocked item was never created`);
    await compareSides(sides, 'step 6, killed', { noPendingOperations: ['delta'] });
    const killed = journal();
    t.diagnostic(`journal of the killed update: ${JSON.stringify(killed)}`);
    assert.deepEqual(killed.unfinished, ['creating'], 'the journal ends with the blocked create begun, not finished');

    await Promise.all(sides.map(async (s) => assert.match((await s.cli.ok(['cancel', '--yes', '--stack', s.stackName])).stdout, /has been canceled/)));
    await runEverywhere(sides, { op: 'refresh', program: P6 });
    // A refresh keeps pending creates (it cannot know whether they exist); the delta side has none.
    const refreshedStates = await compareSides(sides, 'step 6, refreshed', { noPendingOperations: ['delta'] });
    assert.equal(refreshedStates.journal.deployment.pending_operations?.length, 1, 'the pending create survives the refresh');
    const refreshed = journal();
    t.diagnostic(`journal of the refresh: ${JSON.stringify(refreshed)}`);
    assert.equal(refreshed.kinds['rebuilt-base-state'], 1);

    const results = await runEverywhere(sides, { op: 'up', program: P6 });
    const changes = sameChanges(results, 'step 6');
    assert.equal(changes['create'], 1, `only the interrupted item is created: ${JSON.stringify(changes)}`);
    // The pending create stays until the user says it never happened (or imports it): `up` warns
    // about it and keeps it, in every mode.
    const upStates = await compareSides(sides, 'step 6, up', { noPendingOperations: ['delta'] });
    assert.equal(upStates.journal.deployment.pending_operations?.length, 1, 'the pending create survives the update');
    assert.ok(itemOf(upStates.journal, BLOCKED), 'the interrupted item exists now');
    t.diagnostic(`journal of the update: ${JSON.stringify(journal())}`);

    // `refresh --clear-pending-creates` edits them out of the state first (a state import,
    // cmd/pulumi/operations/refresh.go filterMapPendingCreates → state.TotalStateEdit), then refreshes.
    await runEverywhere(sides, { op: 'refresh', program: P6, clearPendingCreates: true });
    const states = await compareSides(sides, 'step 6, recovered');
    assert.equal(states.journal.deployment.pending_operations, undefined, 'no pending operations left');
    assert.equal(new Set(itemUrns(states.journal)).size, itemUrns(states.journal).length, 'each item once');
    assert.equal(itemUrns(states.journal).length, 26 - 2, 'items 0–25 but 4 and 9');
    t.diagnostic(`journal of the clearing refresh: ${JSON.stringify(journal())}`);
  });

  void it('7. destroy', async (t) => {
    await runEverywhere(sides, { op: 'destroy', program: P6 });
    const states = await compareSides(sides, 'step 7');
    assert.deepEqual(resourcesOf(states.journal), [], 'nothing left');
    const j = journal();
    t.diagnostic(`journal: ${JSON.stringify(j)}`);
    assert.equal(j.deleted, 30, 'every resource deleted: 24 items, 3 children, the component, the stack, the provider');
  });

  void it('each Stackyard side really used its upload mode, and the api took every upload', (t: TestContext) => {
    const logs = Object.fromEntries((['journal', 'delta', 'checkpoint'] as const).map((m) => [m, apiLogText(bySide[m].started as StartedSuite)])) as Record<UploadMode, string>;
    const count = (m: UploadMode, needle: string) => countOccurrences(logs[m], needle);
    const line = (m: UploadMode) =>
      `${m}: ${count(m, 'journal entries applied')} journal batches (${count(m, 'journal entries rejected')} refused, ${count(m, 'journal replay of update')} replay problems), ` +
      `${count(m, 'checkpoint verbatim stored')} verbatim, ${count(m, 'checkpoint delta applied')} deltas (${count(m, 'checkpoint delta rejected')} refused)`;
    for (const m of ['journal', 'delta', 'checkpoint'] as const) t.diagnostic(line(m));
    // 7 journaled updates (steps 1–4, 5, 6 killed + refresh + up, 7) each send at least one batch.
    assert.ok(count('journal', 'journal entries applied') >= 9, line('journal'));
    assert.equal(count('journal', 'journal entries rejected'), 0, line('journal'));
    assert.equal(count('journal', 'journal replay of update'), 0, `the replay reported problems:\n${logs.journal.split('\n').filter((l) => l.includes('journal replay of update')).slice(0, 5).join('\n')}`);
    assert.equal(count('journal', 'checkpoint verbatim') + count('journal', 'checkpoint delta'), 0, line('journal'));
    assert.ok(count('delta', 'checkpoint delta applied') >= 20, line('delta'));
    assert.equal(count('delta', 'checkpoint delta rejected'), 0, line('delta'));
    assert.equal(count('delta', 'journal entries'), 0, line('delta'));
    assert.equal(count('checkpoint', 'journal entries') + count('checkpoint', 'checkpoint verbatim') + count('checkpoint', 'checkpoint delta'), 0, line('checkpoint'));
  });
});
