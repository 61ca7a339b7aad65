import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { PulumiCli, tempDir } from '@stackyard/testing';
import { runProgram } from '../support/program';
import type { RunnerRequest, RunnerResult } from '../support/program-runner';
import { MODE_TITLES, selectedModes, startSuiteInMode, type StartedSuite } from '../support/suite-modes';
import type { ScanMarkers } from '../support/workflow-program';
import { describeHits, findMarkers, newMarker } from './support/marker-scan';
import { collectStoredBytes } from './support/stored-bytes';

/**
 * Issue 4: a secret written through the CLI is stored nowhere in plaintext. Known random values go
 * in through every path the CLI has — `config set --secret`, a secret stack output, a dynamic
 * resource's secret input and a secret output only its provider computes — across preview, two
 * `up`s that change them, refresh, export/import (ciphertext and `--show-secrets` plaintext),
 * history and rename. Then every byte the suite stored is searched for them (as is, JSON-escaped,
 * base64 at each alignment, hex): the data directory (SQLite files with -wal/-shm, disk objects,
 * logs), and in the MariaDB/S3 mode a `mariadb-dump` of the suite's databases and every object in
 * its bucket. The secrets must still read back through the CLI.
 *
 * With object encryption at rest (on by default, `STACKYARD_OBJECT_ENCRYPTION`) every object the
 * api stored — checkpoints, journal batches, their markers — must be sealed (`SYO1`), so even the
 * plain values are absent from the object store. They must still be found in the database (engine
 * events are stored there as sent), which shows that the scan reads real stored bytes.
 */

const PROJECT = 'e2e-secret-scan';
/** Two items: item 0 carries the markers, item 1 keeps the program's ordinary values. */
const RESOURCES = 2;

/** The values of one round; the second `up` replaces every one of them. */
interface Round {
  configSecret: string;
  markers: ScanMarkers;
}

const newRound = (): Round => ({
  configSecret: newMarker('scan'),
  markers: { secretToken: newMarker('scan'), secretOutput: newMarker('scan'), plainOutput: newMarker('scan'), plainLabel: newMarker('scan') },
});

/** What the provider returns as item 0's `derivedSecret` (workflow-program.ts `deriveFromToken`). */
const derivedFrom = (token: string): string => [...token].reverse().join('');

const secretsOf = (round: Round, n: number): Record<string, string> => ({
  [`round ${n} config secret`]: round.configSecret,
  [`round ${n} secret stack output`]: round.markers.secretOutput,
  [`round ${n} secret resource input`]: round.markers.secretToken,
  [`round ${n} secret resource output`]: derivedFrom(round.markers.secretToken),
});

const plainsOf = (round: Round, n: number): Record<string, string> => ({
  [`round ${n} plain stack output`]: round.markers.plainOutput,
  [`round ${n} plain resource property`]: round.markers.plainLabel,
});

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(2)} MiB`;

for (const mode of selectedModes()) {
  describe(`secrets are stored nowhere in plaintext — ${MODE_TITLES[mode]}`, { timeout: 20 * 60_000 }, () => {
    let started: StartedSuite;
    let cli: PulumiCli;
    let projectDir: string;
    let org: string;
    let stackName = 'dev';
    const rounds = [newRound(), newRound()];
    const secretMarkers = { ...secretsOf(rounds[0], 1), ...secretsOf(rounds[1], 2) };
    const plainMarkers = { ...plainsOf(rounds[0], 1), ...plainsOf(rounds[1], 2) };
    const timings: Array<[string, number]> = [];
    const ref = (stack: string) => `${org}/${PROJECT}/${stack}`;
    const program = (op: RunnerRequest['op'], round: Round): Promise<RunnerResult> =>
      runProgram(cli, { op, projectName: PROJECT, stackName: ref(stackName), program: { resources: RESOURCES, generation: 1, markers: round.markers } });
    const step = (name: string, fn: (t: TestContext) => Promise<void>): void =>
      void it(name, async (t) => {
        const t0 = Date.now();
        await fn(t);
        const ms = Date.now() - t0;
        timings.push([name, ms]);
        t.diagnostic(`${ms} ms`);
      });
    const assertRoundOutputs = (result: RunnerResult, round: Round): void => {
      assert.equal(result.result, 'succeeded');
      assert.deepEqual(result.outputs?.dbPassword, { value: round.configSecret, secret: true });
      assert.deepEqual(result.outputs?.scanSecret, { value: round.markers.secretOutput, secret: true });
      assert.deepEqual(result.outputs?.firstDerivedSecret, { value: derivedFrom(round.markers.secretToken), secret: true });
      assert.deepEqual(result.outputs?.scanPlain, { value: round.markers.plainOutput, secret: false });
      assert.deepEqual(result.outputs?.firstLabel, { value: round.markers.plainLabel, secret: false });
    };

    before(async () => {
      const t0 = Date.now();
      const [binary, suite] = await Promise.all([PulumiCli.binaryPath(), startSuiteInMode(mode)]);
      started = suite;
      org = started.suite.org;
      projectDir = tempDir('stackyard-e2e-scan-project');
      writeFileSync(join(projectDir, 'Pulumi.yaml'), `name: ${PROJECT}\nruntime: nodejs\ndescription: Stackyard plaintext scan\n`);
      cli = new PulumiCli({ binary, caFile: started.suite.caFile, accessToken: started.suite.adminToken, cwd: projectDir });
      timings.push(['suite start', Date.now() - t0]);
    });

    after(async () => {
      await started?.stop();
      const total = timings.reduce((sum, [, ms]) => sum + ms, 0);
      process.stdout.write(`\n[e2e timings, ${mode}] ${timings.map(([n, ms]) => `${n}: ${ms} ms`).join('; ')}; total ${total} ms\n`);
    });

    step('logs in, creates the stack and sets a secret config value', async () => {
      await cli.login(started.suite.apiUrl);
      await cli.ok(['stack', 'init', ref(stackName)]);
      await cli.ok(['config', 'set', '--secret', 'dbPassword', rounds[0].configSecret]);
      assert.ok(!readFileSync(join(projectDir, `Pulumi.${stackName}.yaml`), 'utf8').includes(rounds[0].configSecret), 'the stack settings hold ciphertext');
    });

    step('preview and up: secret stack outputs, a secret resource input and a provider-computed secret output', async () => {
      await program('preview', rounds[0]);
      assertRoundOutputs(await program('up', rounds[0]), rounds[0]);
    });

    step('a second up changes every secret (and the plain values)', async () => {
      await cli.ok(['config', 'set', '--secret', 'dbPassword', rounds[1].configSecret]);
      await program('preview', rounds[1]);
      const result = await program('up', rounds[1]);
      assertRoundOutputs(result, rounds[1]);
      assert.equal(result.resourceChanges?.update, 1, 'item 0 is updated in place');
    });

    step('refresh reads the resources back', async () => {
      const result = await program('refresh', rounds[1]);
      assert.equal(result.result, 'succeeded');
    });

    step('stack export → import keeps secrets as ciphertext', async () => {
      const file = join(projectDir, 'exported.json');
      await cli.ok(['stack', 'export', '--file', file]);
      const text = readFileSync(file, 'utf8');
      for (const [name, value] of Object.entries(secretMarkers)) assert.ok(!text.includes(value), `the exported state holds the ${name} in plaintext`);
      assert.ok(text.includes(rounds[1].markers.plainLabel), 'the exported state holds the plain resource property');
      await cli.ok(['stack', 'import', '--file', file]);
    });

    step('stack export --show-secrets → import: the CLI re-encrypts a plaintext state', async () => {
      const file = join(projectDir, 'exported-plaintext.json');
      await cli.ok(['stack', 'export', '--show-secrets', '--file', file]);
      const text = readFileSync(file, 'utf8');
      for (const value of [rounds[1].markers.secretToken, derivedFrom(rounds[1].markers.secretToken), rounds[1].markers.secretOutput]) {
        assert.ok(text.includes(value), 'export --show-secrets decrypts every secret of the state');
      }
      await cli.ok(['stack', 'import', '--file', file]);
    });

    step('stack history --show-secrets decrypts the config of each update', async () => {
      const history = await cli.json<Array<{ kind: string; config?: Record<string, { value?: string; secret?: boolean }> }>>(['stack', 'history', '--json', '--show-secrets']);
      const kinds = history.map((h) => h.kind);
      assert.ok(kinds.includes('update') && kinds.includes('refresh') && kinds.includes('import'), `kinds: ${kinds.join(', ')}`);
      const configSecrets = history.flatMap((h) => Object.values(h.config ?? {})).filter((v) => v.secret === true).map((v) => v.value);
      assert.ok(configSecrets.includes(rounds[0].configSecret) && configSecrets.includes(rounds[1].configSecret), 'both rounds of the secret config show decrypted');
    });

    step('stack rename; the next up decrypts every secret under the new name', async () => {
      await cli.ok(['stack', 'rename', ref('renamed')]);
      stackName = 'renamed';
      const result = await program('up', rounds[1]);
      assertRoundOutputs(result, rounds[1]);
      assert.equal(result.resourceChanges?.same, RESOURCES + 1, 'nothing changes after a rename');
    });

    step('every secret reads back through the CLI', async () => {
      assert.equal((await cli.ok(['config', 'get', 'dbPassword'])).stdout.trim(), rounds[1].configSecret);
      const hidden = await cli.json<Record<string, unknown>>(['stack', 'output', '--json']);
      assert.equal(hidden.scanSecret, '[secret]');
      assert.equal(hidden.scanPlain, rounds[1].markers.plainOutput);
      const shown = await cli.json<Record<string, unknown>>(['stack', 'output', '--json', '--show-secrets']);
      assert.equal(shown.dbPassword, rounds[1].configSecret);
      assert.equal(shown.scanSecret, rounds[1].markers.secretOutput);
      assert.equal(shown.firstDerivedSecret, derivedFrom(rounds[1].markers.secretToken));
    });

    // Last, so the scan also covers whatever the read-back (decrypt requests) left behind.
    step('no secret appears in any stored byte; every object is sealed; the plain values are only in the database', async (t) => {
      const stored = await collectStoredBytes(started);
      const c = stored.counts;
      const summary =
        `${c.files} files under the data directory (${mib(c.fileBytes)})` +
        (started.external ? `, ${c.rows} database rows in a mariadb-dump of ${Object.keys(started.external.databases).length} databases (${mib(c.dumpBytes)}), ${c.objects} bucket objects (${mib(c.objectBytes)})` : '') +
        `, ${c.gunzipped} gzip files/objects inflated (${mib(c.gunzippedBytes)}), ${c.sealed} of ${stored.objects.length} objects sealed`;
      t.diagnostic(`scanned ${summary}`);
      process.stdout.write(`\n[plaintext scan, ${mode}] ${summary}\n`);

      const leaks = findMarkers(stored.blobs, secretMarkers);
      assert.equal(leaks.length, 0, `secrets stored in plaintext or a plain encoding:\n${describeHits(leaks)}`);

      // The object store holds what the flow wrote — checkpoints of every version and the journal
      // of each journaling update (or the delta markers in that upload mode) — and all of it sealed.
      const objectNames = stored.objects.map((o) => o.where);
      assert.ok(objectNames.some((w) => /\/checkpoints\/\d+\.json\.gz$/.test(w)), `no checkpoint object among: ${objectNames.join(', ')}`);
      const unsealed = stored.objects.filter((o) => !o.sealed);
      assert.equal(unsealed.length, 0, `objects stored without the SYO1 envelope:\n${unsealed.map((o) => `  ${o.where} (${o.bytes} bytes)`).join('\n')}`);

      const plainHits = findMarkers(stored.blobs, plainMarkers);
      for (const name of Object.keys(plainMarkers)) {
        const stores = new Set(plainHits.filter((h) => h.marker === name).map((h) => h.store));
        // Engine events live in the database as sent: finding the plain values there shows the scan
        // reads real stored bytes; in the sealed object store they must not appear at all.
        assert.ok(stores.has('database'), `the ${name} was found in ${[...stores].join(', ') || 'no store'}; the scan cannot be reading the stored state`);
      }
      const inObjects = plainHits.filter((h) => h.store === 'object-store');
      assert.equal(inObjects.length, 0, `plain values readable in the object store:\n${describeHits(inObjects)}`);
      t.diagnostic(`plain values found ${plainHits.length} times: ${[...new Set(plainHits.map((h) => `${h.store}:${h.encoding}`))].join(', ')}`);
    });
  });
}
