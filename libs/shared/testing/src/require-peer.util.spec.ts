import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MissingPeerError, requirePeer } from './require-peer.util';
import { removeTempDir, tempDir } from './temp-dir.util';
import { startVersitygw } from './versitygw.peer';

function withEnv<T>(vars: Record<string, string | undefined>, fn: () => T): T {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  try {
    for (const [k, v] of Object.entries(vars)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    return fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

void describe(requirePeer.name, () => {
  void it('returns an executable given by absolute path or found on PATH', () => {
    const dir = tempDir('stackyard-require-peer');
    const bin = join(dir, 'fake-peer');
    writeFileSync(bin, '#!/bin/sh\n');
    chmodSync(bin, 0o755);
    assert.equal(requirePeer('fake-peer', bin), bin);
    assert.equal(withEnv({ PATH: dir }, () => requirePeer('fake-peer', 'fake-peer')), bin);
    removeTempDir(dir);
  });

  void it('with CI=true, fails with what is missing, how to provision it, and that tests never skip', () => {
    withEnv({ CI: 'true' }, () => {
      assert.throws(
        () => requirePeer('versitygw', '/nonexistent/versitygw'),
        (error: unknown) => {
          assert.ok(error instanceof MissingPeerError);
          assert.match(error.message, /test peer "versitygw" is missing: \/nonexistent\/versitygw does not exist/);
          assert.match(error.message, /scripts\/peers\/versitygw\.sh/);
          assert.match(error.message, /CI=true/);
          return true;
        },
      );
    });
  });

  void it('fails outside CI too (no silent skip), naming the provisioning script', () => {
    withEnv({ CI: undefined, PATH: '/nonexistent' }, () => {
      assert.throws(() => requirePeer('mariadbd', 'definitely-not-a-binary-xyz'), /"definitely-not-a-binary-xyz" is not on PATH.*fail rather than skip/s);
      assert.throws(() => requirePeer('mariadbd', '/nonexistent/mariadbd'), /scripts\/peers\/mariadb\.sh/);
    });
  });

  void it('refuses a file that is not executable', () => {
    const dir = tempDir('stackyard-require-peer');
    const file = join(dir, 'not-exec');
    writeFileSync(file, 'x');
    chmodSync(file, 0o644);
    assert.throws(() => requirePeer('thing', file), MissingPeerError);
    removeTempDir(dir);
  });

  void it('makes startVersitygw fail (not skip) when its binary is missing', async () => {
    const saved = { bin: process.env['STACKYARD_VERSITYGW_BIN'], ci: process.env['CI'], shared: process.env['STACKYARD_TEST_S3_ENDPOINT'] };
    process.env['STACKYARD_VERSITYGW_BIN'] = '/nonexistent/versitygw';
    process.env['CI'] = 'true';
    delete process.env['STACKYARD_TEST_S3_ENDPOINT'];
    try {
      await assert.rejects(startVersitygw(), (error: unknown) => error instanceof MissingPeerError && /versitygw\.sh/.test(error.message));
    } finally {
      for (const [key, value] of [['STACKYARD_VERSITYGW_BIN', saved.bin], ['CI', saved.ci], ['STACKYARD_TEST_S3_ENDPOINT', saved.shared]] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });
});
