import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseLoginSteps, shellWord } from './login-steps';

const PRINTED = `
Stackyard is running.
  api (the pulumi CLI logs in here)  https://127.0.0.1:28443
  admin token (generated now)        /tmp/d/admin-token  (login "admin", organization "stackyard")

Log the pulumi CLI in with:

  export SSL_CERT_FILE='/tmp/my data/tls/ca.pem'
  export PULUMI_ACCESS_TOKEN=$(cat /tmp/d/admin-token)
  pulumi login https://127.0.0.1:28443

Press Ctrl-C to stop.
`;

void describe(parseLoginSteps.name, () => {
  void it('extracts the CA file, the token file, the URL and the admin login, unquoting shell words', () => {
    const steps = parseLoginSteps(PRINTED);
    assert.equal(steps.caFile, '/tmp/my data/tls/ca.pem');
    assert.equal(steps.tokenFile, '/tmp/d/admin-token');
    assert.equal(steps.url, 'https://127.0.0.1:28443');
    assert.equal(steps.adminLogin, 'admin');
    assert.equal(steps.org, 'stackyard');
    assert.deepEqual(steps.lines, [
      "export SSL_CERT_FILE='/tmp/my data/tls/ca.pem'",
      'export PULUMI_ACCESS_TOKEN=$(cat /tmp/d/admin-token)',
      'pulumi login https://127.0.0.1:28443',
    ]);
  });

  void it('refuses output that prints the token itself, misses a step or repeats one', () => {
    assert.throws(() => parseLoginSteps(PRINTED.replace('$(cat /tmp/d/admin-token)', 'pul-0123456789abcdef')), /not set from a file/);
    assert.throws(() => parseLoginSteps(PRINTED.replace(/^.*SSL_CERT_FILE.*$/m, '')), /exactly one `export SSL_CERT_FILE/);
    assert.throws(() => parseLoginSteps(`${PRINTED}\n  pulumi login https://127.0.0.1:1\n`), /exactly one `pulumi login/);
    assert.throws(() => parseLoginSteps(PRINTED.replace('/tmp/d/admin-token)', 'admin-token)')), /absolute path/);
  });
});

void describe(shellWord.name, () => {
  void it('undoes single and double quoting and refuses anything that expands', () => {
    assert.equal(shellWord(`'it'\\''s'`), "it's");
    assert.equal(shellWord('"/a b/\\"c\\""'), '/a b/"c"');
    assert.equal(shellWord('/plain/path.pem'), '/plain/path.pem');
    assert.throws(() => shellWord('"$HOME/x"'), /shell expansion/);
    assert.throws(() => shellWord('$HOME/x'), /not a plain shell word/);
  });
});
