import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it, type TestContext } from 'node:test';
import { CLI_OUTPUT, isAlive, PulumiCli, tempDir } from '@stackyard/testing';
import { runProgram, startProgram } from '../support/program';
import type { RunnerRequest } from '../support/program-runner';
import { MODE_TITLES, selectedModes, startSuiteInMode, type StartedSuite } from '../support/suite-modes';
import { EXPECTED } from '../support/workflow-program';

/**
 * The CLI workflow an operator relies on, end to end with the real `pulumi` binary (v3.274.1 by
 * default) against the whole suite, once per storage mode. Steps run in order and build on each
 * other, like a person at a terminal would.
 */

const PROJECT = 'e2e-workflow';
const RESOURCES = Number(process.env.STACKYARD_E2E_RESOURCES ?? 50);
const DB_PASSWORD = 'correct horse battery staple';
/** In state: the N dynamic resources, the stack, and the default `pulumi-nodejs` provider. */
const STATE_RESOURCES = RESOURCES + 2;
/** Pulumi's marker for an encrypted value inside state (`resource.SecretSig`). */
const SECRET_SIG = '1b47061264138c4ac30d75fd1eb44270';

interface HistoryEntry {
  version: number;
  kind: string;
  result: string;
  resourceChanges?: Record<string, number>;
}
interface Deployment {
  version: number;
  deployment: { resources?: Array<{ urn: string; type: string; outputs?: Record<string, unknown> }>; secrets_providers?: { type: string } };
}

function writeProject(dir: string): void {
  // The same directory serves the plain CLI commands and the Automation API runner, so both see
  // one Pulumi.yaml and the Pulumi.<stack>.yaml that `config set --secret` writes.
  writeFileSync(join(dir, 'Pulumi.yaml'), `name: ${PROJECT}\nruntime: nodejs\ndescription: Stackyard end-to-end workflow\n`);
}

for (const mode of selectedModes()) {
  describe(`pulumi CLI workflow — ${MODE_TITLES[mode]}`, { timeout: 20 * 60_000 }, () => {
    let started: StartedSuite;
    let cli: PulumiCli;
    let projectDir: string;
    let org: string;
    const timings: Array<[string, number]> = [];
    const ref = (stack: string) => `${org}/${PROJECT}/${stack}`;
    const program = (stack: string, spec: RunnerRequest['program'], op: RunnerRequest['op'] = 'up') => runProgram(cli, { op, projectName: PROJECT, stackName: ref(stack), program: spec });
    const step = (name: string, fn: (t: TestContext) => Promise<void>): void =>
      void it(name, async (t) => {
        const t0 = Date.now();
        await fn(t);
        const ms = Date.now() - t0;
        timings.push([name, ms]);
        t.diagnostic(`${ms} ms`);
      });

    before(async () => {
      const t0 = Date.now();
      const [binary, suite] = await Promise.all([PulumiCli.binaryPath(), startSuiteInMode(mode)]);
      started = suite;
      org = started.suite.org;
      projectDir = tempDir('stackyard-e2e-project');
      writeProject(projectDir);
      cli = new PulumiCli({ binary, caFile: started.suite.caFile, accessToken: started.suite.adminToken, cwd: projectDir });
      timings.push(['suite start', Date.now() - t0]);
    });

    after(async () => {
      await started?.stop();
      const total = timings.reduce((sum, [, ms]) => sum + ms, 0);
      process.stdout.write(`\n[e2e timings, ${mode}] ${timings.map(([n, ms]) => `${n}: ${ms} ms`).join('; ')}; total ${total} ms\n`);
    });

    step('logs in with an access token and reports the user (whoami)', async () => {
      const login = await cli.login(started.suite.apiUrl);
      assert.match(login.stdout + login.stderr, new RegExp(`Logged in to .*127\\.0\\.0\\.1.* as ${started.suite.adminLogin}`));
      const whoami = await cli.ok(['whoami', '--verbose']);
      assert.match(whoami.stdout, new RegExp(`User: ${started.suite.adminLogin}\\b`));
      assert.match(whoami.stdout, new RegExp(`Organizations: .*\\b${org}\\b`));
      assert.match(whoami.stdout, /Token type: personal/);
      if (CLI_OUTPUT.whoamiNamesTokenSource(await cli.version())) assert.match(whoami.stdout, /Access token source: PULUMI_ACCESS_TOKEN/);
      // A token minted through identity works for the same user, and stops working once revoked.
      const minted = await started.suite.mintToken(started.suite.adminLogin, 'e2e-minted');
      const other = new PulumiCli({ binary: cli.binary, caFile: cli.caFile, accessToken: minted.token, cwd: projectDir });
      await other.login(started.suite.apiUrl);
      assert.match((await other.ok(['whoami'])).stdout.trim(), new RegExp(`^${started.suite.adminLogin}$`));
      await started.suite.revokeToken(minted.id);
      // The api may trust a resolved token for a few seconds (docs/architecture.md: within 5 s).
      let rejected = await other.run(['stack', 'ls', '--all']);
      for (let i = 0; i < 40 && rejected.code === 0; i++) {
        await sleep(250);
        rejected = await other.run(['stack', 'ls', '--all']);
      }
      assert.notEqual(rejected.code, 0, 'a revoked token must stop working');
      assert.match(rejected.stderr, /401|log(ging)? in|unauthorized/i);
    });

    step('creates, lists and selects stacks', async () => {
      const init = await cli.ok(['stack', 'init', ref('dev')]);
      if (CLI_OUTPUT.announcesCreatedStack(await cli.version())) assert.match(init.stdout + init.stderr, /Created stack 'dev'/);
      await cli.ok(['stack', 'init', ref('scratch')]);
      const duplicate = await cli.run(['stack', 'init', ref('dev')]);
      assert.notEqual(duplicate.code, 0);
      assert.match(duplicate.stderr, /already exists/);
      const listed = await cli.json<Array<{ name: string }>>(['stack', 'ls', '--json']);
      assert.deepEqual(listed.map((s) => s.name.split('/').pop()).sort(), ['dev', 'scratch']);
      await cli.ok(['stack', 'select', ref('dev')]);
      assert.equal((await cli.ok(['stack', '--show-name'])).stdout.trim(), 'dev');
    });

    step('stores a secret config value encrypted and reads it back', async () => {
      await cli.ok(['config', 'set', '--secret', 'dbPassword', DB_PASSWORD]);
      const settings = readFileSync(join(projectDir, 'Pulumi.dev.yaml'), 'utf8');
      assert.match(settings, /dbPassword:\s*\n\s*secure: \S+/);
      assert.ok(!settings.includes(DB_PASSWORD), 'the stack settings file must not hold the plaintext');
      assert.equal((await cli.ok(['config', 'get', 'dbPassword'])).stdout.trim(), DB_PASSWORD);
    });

    step(`up: ${RESOURCES} dynamic resources with secret inputs and outputs`, async () => {
      const r = await program('dev', { resources: RESOURCES, generation: 1 });
      assert.equal(r.result, 'succeeded');
      assert.deepEqual(r.resourceChanges, { create: RESOURCES + 1 });
      assert.deepEqual(r.outputs?.itemCount, { value: RESOURCES, secret: false });
      assert.deepEqual(r.outputs?.firstLabel, { value: 'item number 0', secret: false });
      assert.deepEqual(r.outputs?.dbPassword, { value: DB_PASSWORD, secret: true });
      assert.deepEqual(r.outputs?.apiKey, { value: EXPECTED.apiKey, secret: true });
      assert.deepEqual(r.outputs?.firstDerivedSecret, { value: EXPECTED.derivedSecret(0, 1), secret: true });
      const listed = await cli.json<Array<{ name: string; resourceCount?: number }>>(['stack', 'ls', '--json']);
      assert.equal(listed.find((s) => s.name.endsWith('dev'))?.resourceCount, STATE_RESOURCES);
    });

    step('preview shows pending updates without applying them', async () => {
      const changed = await program('dev', { resources: RESOURCES, generation: 2 }, 'preview');
      assert.deepEqual(changed.resourceChanges, { same: 1, update: RESOURCES });
      const unchanged = await program('dev', { resources: RESOURCES, generation: 1 }, 'preview');
      assert.deepEqual(unchanged.resourceChanges, { same: RESOURCES + 1 });
    });

    step('refresh reads every resource and finds no drift', async () => {
      const r = await program('dev', { resources: RESOURCES, generation: 1 }, 'refresh');
      assert.equal(r.result, 'succeeded');
      assert.equal(r.resourceChanges?.same, RESOURCES + 1);
      assert.equal(r.resourceChanges?.update ?? 0, 0);
    });

    step('stack output hides secrets unless --show-secrets', async () => {
      const hidden = await cli.json<Record<string, unknown>>(['stack', 'output', '--json']);
      assert.equal(hidden.itemCount, RESOURCES);
      assert.equal(hidden.dbPassword, '[secret]');
      assert.equal(hidden.apiKey, '[secret]');
      const shown = await cli.json<Record<string, unknown>>(['stack', 'output', '--json', '--show-secrets']);
      assert.equal(shown.dbPassword, DB_PASSWORD);
      assert.equal(shown.apiKey, EXPECTED.apiKey);
      assert.equal(shown.firstDerivedSecret, EXPECTED.derivedSecret(0, 1));
      assert.equal((await cli.ok(['stack', 'output', 'apiKey', '--show-secrets'])).stdout.trim(), EXPECTED.apiKey);
    });

    step('export → import round trip keeps the state and its secrets', async () => {
      const file = join(projectDir, 'exported.json');
      await cli.ok(['stack', 'export', '--file', file]);
      const text = readFileSync(file, 'utf8');
      const exported = JSON.parse(text) as Deployment;
      assert.equal(exported.deployment.resources?.length, STATE_RESOURCES);
      assert.equal(exported.deployment.secrets_providers?.type, 'service');
      assert.ok(text.includes(SECRET_SIG), 'secret values are stored as encrypted secret objects');
      for (const plain of [DB_PASSWORD, EXPECTED.apiKey, EXPECTED.derivedSecret(0, 1), 'token-0"']) {
        assert.ok(!text.includes(plain), `exported state must not contain the plaintext ${JSON.stringify(plain)}`);
      }
      const revealed = await cli.ok(['stack', 'export', '--show-secrets']);
      assert.ok(revealed.stdout.includes(EXPECTED.derivedSecret(0, 1)), '--show-secrets decrypts through the service');

      await cli.ok(['stack', 'import', '--file', file]);
      const reimported = await cli.json<Deployment>(['stack', 'export']);
      const urns = (d: Deployment) => (d.deployment.resources ?? []).map((r) => r.urn);
      assert.deepEqual(urns(reimported), urns(exported));
      const shown = await cli.json<Record<string, unknown>>(['stack', 'output', '--json', '--show-secrets']);
      assert.equal(shown.dbPassword, DB_PASSWORD, 'secrets still decrypt after the import');
    });

    step('history lists every update and export --version returns old states', async () => {
      const history = await cli.json<HistoryEntry[]>(['stack', 'history', '--json']);
      const kinds = history.map((h) => h.kind);
      assert.ok(kinds.includes('update') && kinds.includes('refresh') && kinds.includes('import'), `kinds: ${kinds.join(', ')}`);
      assert.ok(!kinds.includes('preview'), 'previews are not part of the history');
      const versions = history.map((h) => h.version);
      assert.deepEqual(versions, [...versions].sort((a, b) => b - a), 'newest first');
      assert.ok(history.every((h) => h.result === 'succeeded'));
      const firstUp = history.filter((h) => h.kind === 'update').at(-1)!;
      assert.equal(firstUp.resourceChanges?.create, RESOURCES + 1);

      const old = await cli.json<Deployment>(['stack', 'export', '--version', String(firstUp.version)]);
      assert.equal(old.deployment.resources?.length, STATE_RESOURCES);
      const missing = await cli.run(['stack', 'export', '--version', String(Math.max(...versions) + 100)]);
      assert.notEqual(missing.code, 0, 'a version that never existed is an error');
    });

    step('stack tags: set, list, remove', async () => {
      await cli.ok(['stack', 'tag', 'set', 'owner', 'team-a']);
      await cli.ok(['stack', 'tag', 'set', 'cost:center', '4711']);
      let tags = await cli.json<Record<string, string>>(['stack', 'tag', 'ls', '--json']);
      assert.equal(tags.owner, 'team-a');
      assert.equal(tags['cost:center'], '4711');
      assert.equal(tags['pulumi:project'], PROJECT);
      assert.equal((await cli.ok(['stack', 'tag', 'get', 'owner'])).stdout.trim(), 'team-a');
      await cli.ok(['stack', 'tag', 'rm', 'owner']);
      tags = await cli.json<Record<string, string>>(['stack', 'tag', 'ls', '--json']);
      assert.equal(tags.owner, undefined);
      assert.equal(tags['cost:center'], '4711');
    });

    step('stack rename keeps every resource: the next up creates and replaces nothing', async () => {
      await cli.ok(['stack', 'rename', ref('prod')]);
      const names = (await cli.json<Array<{ name: string }>>(['stack', 'ls', '--json'])).map((s) => s.name.split('/').pop());
      assert.ok(names.includes('prod') && !names.includes('dev'), `stacks after rename: ${names.join(', ')}`);
      assert.ok(existsSync(join(projectDir, 'Pulumi.prod.yaml')));
      const r = await program('prod', { resources: RESOURCES, generation: 1 });
      assert.equal(r.result, 'succeeded');
      const changes = r.resourceChanges ?? {};
      for (const op of ['create', 'replace', 'create-replacement', 'delete', 'delete-replaced']) assert.equal(changes[op as keyof typeof changes] ?? 0, 0, `${op} after rename`);
      assert.equal(changes.same, RESOURCES + 1);
      assert.deepEqual(r.outputs?.dbPassword, { value: DB_PASSWORD, secret: true }, 'secrets decrypt under the new name');
      const exported = await cli.json<Deployment>(['stack', 'export']);
      assert.ok(exported.deployment.resources?.every((res) => res.urn.startsWith(`urn:pulumi:prod::${PROJECT}::`)));
    });

    step('cancel releases an update whose CLI was killed; the next up works', async () => {
      await cli.ok(['config', 'set', '--secret', 'dbPassword', 'scratch-password', '--stack', ref('scratch')]);
      const dir = tempDir('stackyard-e2e-cancel');
      const startedFile = join(dir, 'started');
      const releaseFile = join(dir, 'release');
      const stuck = startProgram(cli, {
        op: 'up',
        projectName: PROJECT,
        stackName: ref('scratch'),
        program: { resources: 3, generation: 1, block: { index: 1, startedFile, releaseFile } },
      });
      const deadline = Date.now() + 120_000;
      while (!existsSync(startedFile) && Date.now() < deadline) {
        if (stuck.child.exitCode !== null) break;
        await sleep(100);
      }
      assert.ok(existsSync(startedFile), `the update never reached the blocking resource:\n${stuck.output().slice(-3_000)}`);
      const killed = stuck.killTree();
      const ended = await stuck.result;
      assert.equal(ended.ok, false);
      for (let i = 0; i < 50 && killed.some(isAlive); i++) await sleep(100);
      assert.deepEqual(killed.filter(isAlive), [], 'runner, engine and provider are gone');

      const blocked = startProgram(cli, { op: 'up', projectName: PROJECT, stackName: ref('scratch'), program: { resources: 3, generation: 1 } });
      const refused = await blocked.result;
      assert.equal(refused.ok, false, 'a second update must not start while the first holds the stack');
      assert.match(refused.error ?? '', /\[409\] Conflict: Another update is currently in progress/);

      const cancel = await cli.ok(['cancel', '--yes', '--stack', ref('scratch')]);
      assert.match(cancel.stdout, /has been canceled/);
      writeFileSync(releaseFile, 'go');

      const r = await program('scratch', { resources: 3, generation: 1 });
      assert.equal(r.result, 'succeeded');
      assert.deepEqual(r.outputs?.itemCount, { value: 3, secret: false });
      const history = await cli.json<HistoryEntry[]>(['stack', 'history', '--json', '--stack', ref('scratch')]);
      assert.equal(history[0]?.result, 'succeeded');
      assert.ok(history.some((h) => h.result === 'failed' || h.result === 'cancelled'), `history: ${JSON.stringify(history.map((h) => h.result))}`);
    });

    step('stack rm is refused while resources remain, with the CLI guidance', async () => {
      const refused = await cli.run(['stack', 'rm', '--yes', '--stack', ref('scratch')]);
      assert.notEqual(refused.code, 0);
      const match = /'([^']+)' still has resources; removal rejected\. Possible actions:/.exec(refused.stderr);
      assert.ok(match, `unexpected stderr:\n${refused.stderr}`);
      const shown = match[1];
      assert.ok(shown.endsWith('scratch'));
      assert.ok(
        refused.stderr.includes(
          `'${shown}' still has resources; removal rejected. Possible actions:\n` +
            `- Make sure that '${shown}' is the stack that you want to destroy\n` +
            '- Run `pulumi destroy` to delete the resources, then run `pulumi stack rm`\n' +
            '- Run `pulumi stack rm --force` to override this error',
        ),
        `guidance text differs:\n${refused.stderr}`,
      );
      const listed = await cli.json<Array<{ name: string }>>(['stack', 'ls', '--json']);
      assert.ok(listed.some((s) => s.name.endsWith('scratch')), 'the stack is still there');
    });

    step('stack rm --force removes a stack that still has resources', async () => {
      const removed = await cli.ok(['stack', 'rm', '--force', '--yes', '--stack', ref('scratch')]);
      assert.match(removed.stdout, /has been removed/);
      const listed = await cli.json<Array<{ name: string }>>(['stack', 'ls', '--json']);
      assert.ok(!listed.some((s) => s.name.endsWith('scratch')));
    });

    step('destroy deletes every resource; then stack rm needs no --force', async () => {
      const r = await program('prod', { resources: RESOURCES, generation: 1 }, 'destroy');
      assert.equal(r.result, 'succeeded');
      assert.equal(r.resourceChanges?.delete, RESOURCES + 1);
      const exported = await cli.json<Deployment>(['stack', 'export']);
      assert.equal(exported.deployment.resources?.length ?? 0, 0);
      assert.match((await cli.ok(['stack', 'rm', '--yes', ref('prod')])).stdout, /has been removed/);
      assert.deepEqual(await cli.json<unknown[]>(['stack', 'ls', '--json']), []);
    });
  });
}
