import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, it } from 'node:test';
import { NODE_MODULES, PULUMI_NODE_SDK_DIR, hermeticEnv, isAgentVariable } from './hermetic-env.util';
import { isAlive, killTree, processTree } from './process-tree.util';

describe('hermeticEnv', () => {
  const planted = ['CLAUDECODE', 'CLAUDE_CODE_ENTRYPOINT', 'CODEX_SANDBOX', 'CURSOR_AGENT', 'AI_AGENT', 'GEMINI_CLI', 'OPENCODE_CLIENT', 'PULUMI_CONFIG_PASSPHRASE', 'PULUMI_BACKEND_URL', 'PULUMI_ACCESS_TOKEN'];
  afterEach(() => {
    for (const name of planted) delete process.env[name];
  });

  const base = { pulumiHome: '/tmp/home', pulumiBinary: '/opt/pulumi/bin/pulumi', caFile: '/tmp/ca.pem' };

  it('drops every AI-agent marker and every PULUMI_* setting of the host', () => {
    for (const name of planted) process.env[name] = 'set-by-host';
    const sut = hermeticEnv({ ...base, accessToken: 'pul-test' });
    for (const name of planted.filter((n) => n !== 'PULUMI_ACCESS_TOKEN')) assert.equal(sut[name], undefined, name);
    assert.equal(sut.PULUMI_ACCESS_TOKEN, 'pul-test', 'the token is the test’s own, not the host’s');
  });

  it('sets what pulumi-protocol.md §8.3 asks for', () => {
    const sut = hermeticEnv(base);
    assert.equal(sut.PULUMI_HOME, '/tmp/home');
    assert.equal(sut.PULUMI_SKIP_UPDATE_CHECK, 'true');
    assert.equal(sut.PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION, 'true');
    assert.equal(sut.PULUMI_CREDENTIAL_STORE, 'plaintext');
    assert.equal(sut.SSL_CERT_FILE, '/tmp/ca.pem');
    assert.equal(sut.PULUMI_ACCESS_TOKEN, undefined, 'no token unless given');
    const path = sut.PATH!.split(delimiter);
    assert.equal(path[0], join(NODE_MODULES, '.bin'));
    assert.ok(path.includes(PULUMI_NODE_SDK_DIR) && path.includes('/opt/pulumi/bin'));
  });

  it('lets callers override or remove single variables', () => {
    const sut = hermeticEnv({ ...base, extra: { PULUMI_CONFIG_PASSPHRASE: 'pw', NO_COLOR: undefined } });
    assert.equal(sut.PULUMI_CONFIG_PASSPHRASE, 'pw');
    assert.equal(sut.NO_COLOR, undefined);
  });

  it('puts Node 24 and the dynamic-provider launcher first on PATH', () => {
    const sut = hermeticEnv(base);
    const version = spawnSync('node', ['--version'], { env: sut, encoding: 'utf8' }).stdout.trim();
    assert.match(version, /^v24\./);
    accessSync(join(PULUMI_NODE_SDK_DIR, 'pulumi-resource-pulumi-nodejs'), constants.X_OK);
  });

  it('recognises agent variables by name and prefix only', () => {
    assert.equal(isAgentVariable('CODEX_THREAD_ID'), true);
    assert.equal(isAgentVariable('COPILOT_MODEL'), true);
    assert.equal(isAgentVariable('CODE'), false);
    assert.equal(isAgentVariable('PATH'), false);
  });
});

describe('killTree', () => {
  it('kills a process and all its descendants at once', async () => {
    const parent = spawn('sh', ['-c', 'sleep 60 & sleep 60 & wait'], { stdio: 'ignore' });
    let tree: number[] = [];
    for (let i = 0; i < 50 && tree.length < 3; i++) {
      await sleep(20);
      tree = processTree(parent.pid!);
    }
    assert.equal(tree.length, 3, 'sh and its two sleeps');
    const killed = killTree(parent.pid!);
    assert.deepEqual(new Set(killed), new Set(tree));
    await new Promise((resolve) => parent.once('exit', resolve));
    for (let i = 0; i < 50 && killed.some(isAlive); i++) await sleep(20);
    assert.deepEqual(killed.filter(isAlive), []);
  });
});
