import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loginSteps, shellQuote, startSettings } from './start-settings';

describe('startSettings', () => {
  it('defaults to <cwd>/.stackyard and the documented ports', () => {
    const sut = startSettings({}, '/home/me/work');
    assert.deepEqual(sut, {
      dataDir: '/home/me/work/.stackyard',
      ports: { api: 8443, consoleBackend: 3443, identity: 7443, secrets: 7444 },
      publicHosts: [],
      logToStdout: false,
    });
  });

  it('reads overrides, resolving a relative data dir against cwd', () => {
    const sut = startSettings(
      { STACKYARD_DATA_DIR: 'data', STACKYARD_PORT: '9443', STACKYARD_PUBLIC_HOSTS: 'stackyard.internal, 10.0.0.5', STACKYARD_LOG_TO_STDOUT: 'true' },
      '/srv',
    );
    assert.equal(sut.dataDir, '/srv/data');
    assert.equal(sut.ports.api, 9443);
    assert.deepEqual(sut.publicHosts, ['stackyard.internal', '10.0.0.5']);
    assert.equal(sut.logToStdout, true);
  });

  it('reports every invalid setting at once', () => {
    assert.throws(
      () => startSettings({ STACKYARD_PORT: 'http', STACKYARD_CONSOLE_PORT: '7443', STACKYARD_PUBLIC_HOSTS: 'a b' }, '/'),
      (error: Error) => {
        assert.match(error.message, /STACKYARD_PORT must be a port number/);
        assert.match(error.message, /identity and consoleBackend would both use port 7443/);
        assert.match(error.message, /STACKYARD_PUBLIC_HOSTS: "a b"/);
        return true;
      },
    );
  });
});

describe('loginSteps', () => {
  it('prints the three commands with the token read from its file, never the token', () => {
    assert.deepEqual(loginSteps('/d/tls/ca.pem', '/d/admin-token', 'https://127.0.0.1:8443'), [
      'export SSL_CERT_FILE=/d/tls/ca.pem',
      'export PULUMI_ACCESS_TOKEN=$(cat /d/admin-token)',
      'pulumi login https://127.0.0.1:8443',
    ]);
  });

  it('quotes paths that a shell would split', () => {
    assert.equal(shellQuote('/my data/ca.pem'), `'/my data/ca.pem'`);
    assert.equal(shellQuote(`/it's`), `'/it'\\''s'`);
  });
});
