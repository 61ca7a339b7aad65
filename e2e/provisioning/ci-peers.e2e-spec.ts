import assert from 'node:assert/strict';
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { MissingPeerError, PulumiCli, requirePeer, startMariadb, startVersitygw, tempDir, versitygwBinaryPath } from '@stackyard/testing';
import { brokenEnv, describeRun, IMPOSSIBLE_VERSION, linkRealPeer, PEER_SCRIPTS, pinnedVersion, runBash, scratchCheckout, snapshotCache, type ScriptResult } from './support/peer-env';

/**
 * Acceptance: "with CI=true, a peer that cannot be provisioned fails the run". Each provisioning
 * script, scripts/test.sh and the launchers of @stackyard/testing are run where provisioning is
 * impossible — an empty STACKYARD_CACHE, a version no proxy serves, no module proxy at all
 * (GOPROXY=off), no Go toolchain — and must fail loudly, naming the peer. The real peer cache is
 * never written (checked at the end).
 *
 * MariaDB comes from the machine's packages: mariadb.sh finds /usr/sbin/mariadbd whatever PATH says
 * and would otherwise apt-get install it. Its checks need two knobs, STACKYARD_MARIADB_BIN_DIR (look
 * only there) and STACKYARD_PEERS_NO_INSTALL=1 (never install); until scripts/peers/mariadb.sh
 * and startMariadb support them those tests are marked TODO and say so.
 */

const cacheBefore = snapshotCache();

/** The proposed MariaDB knobs; see the header. */
const MARIADB_KNOBS = ['STACKYARD_MARIADB_BIN_DIR', 'STACKYARD_PEERS_NO_INSTALL'];
const mariadbScriptKnobs = MARIADB_KNOBS.every((k) => readFileSync(join(PEER_SCRIPTS, 'mariadb.sh'), 'utf8').includes(k));
// The launcher module as it runs (dist/libs/shared/testing/src/mariadb.peer.js).
const mariadbLauncherKnob = readFileSync(join(__dirname, '..', '..', 'libs', 'shared', 'testing', 'src', 'mariadb.peer.js'), 'utf8').includes(MARIADB_KNOBS[0]);
const TODO_SCRIPT = mariadbScriptKnobs
  ? false
  : `scripts/peers/mariadb.sh lacks ${MARIADB_KNOBS.join(' and ')}: a missing MariaDB cannot be simulated (see the e2e/provisioning report)`;
const TODO_LAUNCHER = mariadbLauncherKnob ? false : `startMariadb ignores ${MARIADB_KNOBS[0]}: a missing mariadbd cannot be simulated (see the e2e/provisioning report)`;

/**
 * A directory of stand-ins for apt-get and sudo that refuse to run, first on PATH: whatever a
 * MariaDB scenario does, it never installs packages on this machine.
 */
function noInstallBin(): string {
  const dir = tempDir('stackyard-no-apt');
  for (const tool of ['apt-get', 'apt', 'sudo', 'dpkg']) {
    writeFileSync(join(dir, tool), `#!/bin/sh\necho "${tool} is disabled in this test" >&2\nexit 100\n`, { mode: 0o755 });
  }
  return dir;
}

/** A PATH directory with only what the Go peer scripts need besides `go`. */
function pathWithoutGo(): string {
  const dir = tempDir('stackyard-no-go');
  for (const tool of ['bash', 'dirname', 'mkdir', 'rm', 'mv', 'cat']) {
    const found = ['/usr/bin', '/bin'].map((d) => join(d, tool)).find((p) => existsSync(p));
    if (found) symlinkSync(found, join(dir, tool));
  }
  return dir;
}

function assertFailedLoudly(r: ScriptResult, what: string, names: RegExp): void {
  assert.notEqual(r.code, 0, describeRun(what, r));
  assert.equal(r.stdout.trim(), '', `${what} must print no binary path when it failed (callers take stdout's last line as the path)`);
  assert.match(r.stderr, names, `${what}: the message must name the peer\n${r.stderr}`);
}

interface GoPeer {
  script: string;
  label: RegExp;
  versionVar: string;
  /** `<dir>/bin/<binary>` under `$STACKYARD_CACHE/peers`, at the pinned version. */
  cached: (version: string) => [string, string];
}

const GO_PEERS: GoPeer[] = [
  { script: 'pulumi-cli.sh', label: /pulumi/, versionVar: 'STACKYARD_PULUMI_VERSION', cached: (v) => [`pulumi-${v}`, 'pulumi'] },
  { script: 'versitygw.sh', label: /versitygw/, versionVar: 'STACKYARD_VERSITYGW_VERSION', cached: (v) => [`versitygw-${v}`, 'versitygw'] },
];

void describe('with CI=true, a provisioning script fails loudly when its peer cannot be provisioned', () => {
  for (const peer of GO_PEERS) {
    void it(`${peer.script}: a version no module proxy serves, an empty cache and GOPROXY=off`, async (t) => {
      const env = brokenEnv({ [peer.versionVar]: IMPOSSIBLE_VERSION });
      const r = await runBash(join(PEER_SCRIPTS, peer.script), [], env, env.STACKYARD_CACHE!);
      t.diagnostic(`failed after ${r.ms} ms`);
      assertFailedLoudly(r, peer.script, peer.label);
      assert.match(r.stderr, new RegExp(IMPOSSIBLE_VERSION), 'the message names the version it tried');
      assert.match(r.stderr, /module lookup disabled by GOPROXY=off/, 'and why it failed');
      const [dir, binary] = peer.cached(IMPOSSIBLE_VERSION);
      assert.equal(existsSync(join(env.STACKYARD_CACHE!, 'peers', dir, 'bin', binary)), false, 'no binary was cached');
    });

    void it(`${peer.script}: no Go toolchain on PATH`, async (t) => {
      const env = brokenEnv({ PATH: pathWithoutGo() });
      const r = await runBash(join(PEER_SCRIPTS, peer.script), [], env, env.STACKYARD_CACHE!);
      t.diagnostic(`failed after ${r.ms} ms`);
      assertFailedLoudly(r, peer.script, peer.label);
      // The reason, not just a bare exit status: Go itself is missing.
      assert.match(r.stderr, /\bgo\b.*(not found|not installed|missing)/i, `${peer.script} must say that Go is missing\n${r.stderr}`);
    });
  }

  void it('mariadb.sh: no MariaDB binaries, installing forbidden', { todo: TODO_SCRIPT }, async (t) => {
    if (TODO_SCRIPT) assert.fail(TODO_SCRIPT);
    const env = brokenEnv({ STACKYARD_MARIADB_BIN_DIR: tempDir('stackyard-no-mariadb'), STACKYARD_PEERS_NO_INSTALL: '1' });
    env.PATH = `${noInstallBin()}:${env.PATH}`;
    const r = await runBash(join(PEER_SCRIPTS, 'mariadb.sh'), [], env, env.STACKYARD_CACHE!);
    t.diagnostic(`failed after ${r.ms} ms`);
    assertFailedLoudly(r, 'mariadb.sh', /mariadb/i);
    assert.doesNotMatch(r.stderr, /is disabled in this test/, 'STACKYARD_PEERS_NO_INSTALL=1 must not even try apt-get');
  });
});

interface Scenario {
  peer: string;
  /** How scripts/test.sh names the peer in its verdict. */
  label: string;
  todo: string | false;
  env: (base: NodeJS.ProcessEnv) => Record<string, string | undefined>;
  reason: RegExp;
}

const SCENARIOS: Scenario[] = [
  {
    peer: 'the pulumi CLI',
    label: 'pulumi CLI',
    todo: false,
    env: () => ({ STACKYARD_PULUMI_VERSION: IMPOSSIBLE_VERSION }),
    reason: /module lookup disabled/,
  },
  {
    peer: 'versitygw',
    label: 'versitygw',
    todo: false,
    env: () => ({ STACKYARD_VERSITYGW_VERSION: IMPOSSIBLE_VERSION }),
    reason: /module lookup disabled/,
  },
  {
    peer: 'MariaDB',
    label: 'MariaDB',
    todo: TODO_SCRIPT,
    env: (base) => ({ STACKYARD_MARIADB_BIN_DIR: tempDir('stackyard-no-mariadb'), STACKYARD_PEERS_NO_INSTALL: '1', PATH: `${noInstallBin()}:${base.PATH}` }),
    reason: /mariadb/i,
  },
];

void describe('with CI=true, scripts/test.sh stops at once when one peer cannot be provisioned', () => {
  for (const s of SCENARIOS) {
    void it(`${s.peer} missing: non-zero exit, the peer named, nothing built or tested`, { todo: s.todo }, async (t: TestContext) => {
      if (s.todo) assert.fail(s.todo);
      // A copy of test.sh and the peer scripts: its `rm -rf dist` and build can never touch this checkout.
      const root = scratchCheckout();
      const env = brokenEnv();
      const cache = env.STACKYARD_CACHE!;
      // The other peers stay provisioned (linked from the real cache when it has them), so the
      // verdict is about this one peer.
      linkRealPeer(cache, `pulumi-${pinnedVersion('pulumi-cli.sh', 'STACKYARD_PULUMI_VERSION')}`, 'pulumi');
      linkRealPeer(cache, `versitygw-${pinnedVersion('versitygw.sh', 'STACKYARD_VERSITYGW_VERSION')}`, 'versitygw');
      linkRealPeer(cache, `vault-${pinnedVersion('vault.sh', 'STACKYARD_VAULT_VERSION')}`, 'vault');
      linkRealPeer(cache, `local-kms-${pinnedVersion('local-kms.sh', 'STACKYARD_LOCAL_KMS_VERSION')}`, 'local-kms');
      Object.assign(env, s.env(env));
      const r = await runBash(join(root, 'scripts', 'test.sh'), [], env, root, 5 * 60_000);
      t.diagnostic(`scripts/test.sh gave up after ${r.ms} ms`);
      const out = `${r.stdout}\n${r.stderr}`;
      assert.notEqual(r.code, 0, describeRun('scripts/test.sh', r));
      assert.match(out, new RegExp(`CI=true.*missing.*${s.label}`), `the verdict names ${s.peer}\n${out}`);
      assert.match(out, s.reason, 'the provisioning error is shown');
      assert.doesNotMatch(out, /==> (build|lint|unit tests|integration tests|e2e tests)/, 'it stopped before building or testing');
      assert.equal(existsSync(join(root, 'dist')), false, 'nothing was built');
    });
  }
});

/** Sets variables for the duration of `fn` (undefined deletes one). */
async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  apply(vars);
  try {
    return await fn();
  } finally {
    apply(saved);
  }
}

function isCiMissingPeer(peer: RegExp, script: RegExp, ...details: RegExp[]): (error: unknown) => boolean {
  return (error: unknown) => {
    assert.ok(error instanceof MissingPeerError, `expected MissingPeerError, got ${String(error)}`);
    assert.match(error.message, peer, 'names the peer');
    assert.match(error.message, script, 'says how to provision it');
    assert.match(error.message, /CI=true/, 'says CI must provide it');
    for (const detail of details) assert.match(error.message, detail);
    return true;
  };
}

void describe('with CI=true, the @stackyard/testing launchers throw instead of skipping', () => {
  void it('requirePeer: a peer that is not in the (empty) cache', async () => {
    await withEnv({ CI: 'true', STACKYARD_CACHE: tempDir('stackyard-empty-peer-cache'), STACKYARD_VERSITYGW_BIN: undefined }, () => {
      const path = versitygwBinaryPath();
      assert.throws(() => requirePeer('versitygw', path), isCiMissingPeer(/test peer "versitygw" is missing/, /scripts\/peers\/versitygw\.sh/));
      assert.throws(() => requirePeer('mariadbd', 'mariadbd-not-installed-here'), isCiMissingPeer(/"mariadbd-not-installed-here" is not on PATH/, /scripts\/peers\/mariadb\.sh/));
      return Promise.resolve();
    });
  });

  void it('startVersitygw: versitygw was never built into the cache', async () => {
    await withEnv(
      { CI: 'true', STACKYARD_CACHE: tempDir('stackyard-empty-peer-cache'), STACKYARD_VERSITYGW_BIN: undefined, STACKYARD_TEST_S3_ENDPOINT: undefined },
      () => assert.rejects(startVersitygw(), isCiMissingPeer(/versitygw/, /scripts\/peers\/versitygw\.sh/)),
    );
  });

  void it('startMariadb: no mariadbd where it is told to look', { todo: TODO_LAUNCHER }, async () => {
    // Without the knob startMariadb would find /usr/sbin/mariadbd and really start a server.
    if (TODO_LAUNCHER) assert.fail(TODO_LAUNCHER);
    await withEnv({ CI: 'true', [MARIADB_KNOBS[0]]: tempDir('stackyard-no-mariadb'), STACKYARD_TEST_MYSQL_URL: undefined }, () =>
      assert.rejects(startMariadb({ reuse: false }), isCiMissingPeer(/mariadbd|mariadb-install-db/, /scripts\/peers\/mariadb\.sh/)),
    );
  });

  void it('PulumiCli.binaryPath (e2e): the CLI cannot be built', async () => {
    await withEnv(
      { CI: 'true', STACKYARD_CACHE: tempDir('stackyard-empty-peer-cache'), STACKYARD_PULUMI_VERSION: IMPOSSIBLE_VERSION, GOPROXY: 'off', GOFLAGS: '-mod=mod' },
      () =>
        assert.rejects(
          PulumiCli.binaryPath(),
          isCiMissingPeer(/test peer "pulumi" is missing/, /scripts\/peers\/pulumi-cli\.sh/, new RegExp(IMPOSSIBLE_VERSION), /module lookup disabled/),
        ),
    );
  });
});

void describe('the real peer cache', () => {
  void it('is exactly as before: nothing built, replaced or removed by these checks', () => {
    assert.deepEqual(snapshotCache(), cacheBefore);
  });
});
