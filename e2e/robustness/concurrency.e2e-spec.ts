import { after, before, describe, test } from 'node:test';
import type { ServiceHandle, Suite } from '@stackyard/shared-launcher';
import type { PulumiCli } from '@stackyard/testing';
import { cliFor, startEmbedded, startExternal, startExternalPeers, timed, type ExternalPeers } from './support/harness';
import { competingUps, parallelUps } from './support/scenarios';

/**
 * The stack lock under real concurrency, with the real CLI (docs/architecture.md "Updates and
 * locks"): one api process on SQLite, then two api processes sharing MariaDB + S3, where only the
 * database can decide who gets the stack.
 */

describe('one api process, embedded (SQLite + disk)', () => {
  let suite: Suite;
  let cli: PulumiCli;

  before(async () => {
    suite = await timed('embedded suite start', () => startEmbedded());
    cli = await cliFor(suite);
  });
  after(async () => {
    await suite?.stop();
  });

  test('two `pulumi up` of one stack at once: exactly one runs, the other gets the conflicting-update error', { timeout: 240_000 }, async () => {
    await timed('competing ups (embedded)', () => competingUps(suite, cli, 'race', [suite.apiUrl, suite.apiUrl]));
  });

  test('ten `pulumi up` on ten stacks at once all succeed', { timeout: 300_000 }, async () => {
    await parallelUps(suite, cli, 'ten', 10, [suite.apiUrl]);
  });
});

describe('two api processes sharing MariaDB + S3', () => {
  let peers: ExternalPeers;
  let suite: Suite;
  let second: ServiceHandle;
  let cli: PulumiCli;

  before(async () => {
    peers = await timed('MariaDB + versitygw start', () => startExternalPeers());
    suite = await timed('external suite start', () => startExternal(peers, 'robust_conc'));
    second = await suite.startExtraApi();
    cli = await cliFor(suite);
  });
  after(async () => {
    await suite?.stop();
    await peers?.stop();
  });

  test('two `pulumi up` of one stack through different api processes: exactly one runs', { timeout: 240_000 }, async () => {
    await timed('competing ups (two apis)', () => competingUps(suite, cli, 'race', [suite.apiUrl, second.url]));
  });

  test('ten `pulumi up` on ten stacks spread over both api processes all succeed', { timeout: 300_000 }, async () => {
    await parallelUps(suite, cli, 'ten', 10, [suite.apiUrl, second.url]);
  });
});
