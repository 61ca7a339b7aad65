import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PulumiCli, tempDir } from '@stackyard/testing';
import { RawApi } from '../robustness/support/raw-api';
import { type ExportedDeployment, normalizeExportedState } from '../support/exported-state';
import { runProgram } from '../support/program';
import { MODE_TITLES, selectedModes, startSuiteInMode, type StartedSuite } from '../support/suite-modes';

/**
 * `deployment-schema-version` (pulumi-protocol.md §2.1): the api advertises version 4, so the CLI
 * sends version-4 deployments with their `features` instead of downgrading them to 3 and dropping
 * the features (`downgradeDeploymentVersionIfNeeded` in pkg/backend/httpstate/backend.go). A
 * tainted resource is the simplest state the real CLI writes as version 4 (feature `taint`).
 */

const PROJECT = 'e2e-schema';

interface Resource {
  urn: string;
  type: string;
  taint?: boolean;
}
interface VersionedDeployment extends ExportedDeployment {
  features?: string[];
  deployment: { resources?: Resource[] } & Record<string, unknown>;
}

for (const mode of selectedModes()) {
  void describe(`deployment schema version 4 round trip — ${MODE_TITLES[mode]}`, { timeout: 10 * 60_000 }, () => {
    let started: StartedSuite;
    let cli: PulumiCli;
    let raw: RawApi;
    let stack: string;
    let itemUrn: (i: number) => string;
    const up = () => runProgram(cli, { op: 'up', projectName: PROJECT, stackName: stack, program: { resources: 3, generation: 1 } });

    before(async () => {
      const projectDir = tempDir('stackyard-e2e-schema');
      writeFileSync(join(projectDir, 'Pulumi.yaml'), `name: ${PROJECT}\nruntime: nodejs\n`);
      const [binary, suite] = await Promise.all([PulumiCli.binaryPath(), startSuiteInMode(mode)]);
      started = suite;
      cli = new PulumiCli({ binary, caFile: suite.suite.caFile, accessToken: suite.suite.adminToken, cwd: projectDir });
      raw = new RawApi(suite.suite.apiUrl, readFileSync(suite.suite.caFile), suite.suite.adminToken);
      stack = `${suite.suite.org}/${PROJECT}/dev`;
      await cli.login(suite.suite.apiUrl);
      await cli.ok(['stack', 'init', stack]);
      await cli.ok(['config', 'set', '--secret', 'dbPassword', 'schema password']);
    });

    after(async () => {
      await started?.stop();
    });

    void it('advertises deployment-schema-version 4 (capability version 1, which the CLI requires)', async () => {
      const { capabilities } = await raw.ok<{ capabilities: Array<{ capability: string; version?: number; configuration?: unknown }> }>('GET', '/api/capabilities', {
        authorization: null,
      });
      assert.deepEqual(
        capabilities.find((c) => c.capability === 'deployment-schema-version'),
        { capability: 'deployment-schema-version', version: 1, configuration: { version: 4 } },
      );
    });

    void it('a tainted resource is stored as version 4 with features, and the next up replaces it', async () => {
      await up();
      const before = await cli.json<VersionedDeployment>(['stack', 'export']);
      const urns = (before.deployment.resources ?? []).map((r) => r.urn);
      itemUrn = (i) => {
        const urn = urns.find((u) => u.endsWith(`::item-${i}`));
        assert.ok(urn, `no item-${i} in ${urns.join(', ')}`);
        return urn;
      };
      assert.equal(before.version, 3, 'a state without features is still written as version 3');
      assert.equal(before.features, undefined);

      await cli.ok(['state', 'taint', itemUrn(1), '--yes']);
      const tainted = await cli.json<VersionedDeployment>(['stack', 'export']);
      assert.equal(tainted.version, 4, 'the CLI did not downgrade the tainted state');
      assert.deepEqual(tainted.features, ['taint']);
      assert.equal(tainted.deployment.resources?.find((r) => r.urn === itemUrn(1))?.taint, true);
      // What the api stores is what the CLI reads back, byte for byte in meaning.
      const stored = await raw.ok<VersionedDeployment>('GET', `/api/stacks/${stack}/export`);
      assert.deepEqual(stored, tainted);

      const replaced = await up();
      assert.equal(replaced.resourceChanges?.['replace'], 1, `the tainted item is replaced: ${JSON.stringify(replaced.resourceChanges)}`);
      const after = await cli.json<VersionedDeployment>(['stack', 'export']);
      assert.equal(after.deployment.resources?.some((r) => r.taint === true), false);
      assert.equal(after.version, 3, 'with no feature left in use the CLI writes version 3 again');
    });

    void it('stack import of a version-4 deployment with features exports unchanged', async () => {
      const current = await cli.json<VersionedDeployment>(['stack', 'export']);
      const resources = current.deployment.resources ?? [];
      const v4: VersionedDeployment = {
        version: 4,
        features: ['refreshBeforeUpdate', 'taint'],
        deployment: {
          ...current.deployment,
          resources: resources.map((r) => (r.urn === itemUrn(0) ? { ...r, refreshBeforeUpdate: true } : r.urn === itemUrn(2) ? { ...r, taint: true } : r)),
        },
      };
      const file = join(tempDir('stackyard-e2e-schema-import'), 'v4.json');
      writeFileSync(file, JSON.stringify(v4));
      await cli.ok(['stack', 'import', '--file', file]);
      const exported = await cli.json<VersionedDeployment>(['stack', 'export']);
      assert.equal(exported.version, 4);
      assert.deepEqual([...(exported.features ?? [])].sort(), ['refreshBeforeUpdate', 'taint']);
      // The CLI re-encrypts secret values on import, so ciphertexts are the only thing masked.
      const side = { projectDir: cli.cwd, apiUrl: started.suite.apiUrl };
      assert.deepEqual(normalizeExportedState(exported, side), normalizeExportedState(v4, side));
    });
  });
}
