import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { type Manifest, tempDir } from '@stackyard/testing';
import { expand, RenderedRelease, translatePaths, type Container } from './rendered-release';

const FACTS = { podName: 'web-0', namespace: 'ns', podIp: '127.0.0.1', nodeName: 'node-a' };
const IMAGE = { appDir: '/app', localAppDir: '/repo', env: { NODE_ENV: 'production' } };

function deployment(container: Partial<Container>, volumes: unknown[] = []): Manifest {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: { template: { metadata: { labels: { 'app.kubernetes.io/component': 'web' } }, spec: { containers: [{ name: 'web', image: 'x', ...container }], volumes } } },
  };
}

void describe('expand (Kubernetes $(VAR) references)', () => {
  void it('replaces declared variables, keeps unknown references and unescapes $$', () => {
    assert.equal(expand('mysql://u:$(PW)@h/db', { PW: 's3cr3t' }), 'mysql://u:s3cr3t@h/db');
    assert.equal(expand('$(MISSING)-x', {}), '$(MISSING)-x');
    assert.equal(expand('$$(PW)', { PW: 'no' }), '$(PW)');
  });
});

void describe('translatePaths', () => {
  const prefixes: [string, string][] = [
    ['/etc/stackyard/tls/internal', '/tmp/internal'],
    ['/etc/stackyard', '/tmp/all'],
  ];
  void it('maps a mountPath and what lies under it, at the start or after =, longest prefix first', () => {
    assert.equal(translatePaths('/etc/stackyard/tls/internal/ca.crt', prefixes), '/tmp/internal/ca.crt');
    assert.equal(translatePaths('--ca=/etc/stackyard/x', prefixes), '--ca=/tmp/all/x');
    assert.equal(translatePaths('/etc/stackyard', prefixes), '/tmp/all');
  });
  void it('leaves look-alike paths and URLs alone', () => {
    assert.equal(translatePaths('/etc/stackyardish/a', prefixes), '/etc/stackyardish/a');
    assert.equal(translatePaths('https://h/etc/stackyard', prefixes), 'https://h/etc/stackyard');
  });
});

void describe('RenderedRelease.materialize', () => {
  const secret: Manifest = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'gen' }, data: { token: Buffer.from('pul-abc').toString('base64') } };

  void it('resolves env from Secrets, ConfigMaps and the downward API, and writes volume items as files', () => {
    const release = new RenderedRelease(
      [
        secret,
        deployment(
          {
            command: ['node'],
            args: ['dist/main.js', '--key=/etc/key/k'],
            workingDir: '/app',
            env: [
              { name: 'PW', valueFrom: { secretKeyRef: { name: 'db', key: 'pw' } } },
              { name: 'URL', value: 'mysql://u:$(PW)@h/d' },
              { name: 'REGION', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'region' } } },
              { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              { name: 'TOKEN_FILE', value: '/etc/token/token' },
            ],
            volumeMounts: [
              { name: 'token', mountPath: '/etc/token' },
              { name: 'key', mountPath: '/etc/key' },
            ],
          },
          [
            { name: 'token', secret: { secretName: 'gen', items: [{ key: 'token', path: 'token' }] } },
            { name: 'key', configMap: { name: 'cfg' } },
          ],
        ),
      ],
      [
        { kind: 'Secret', name: 'db', data: { pw: 'p4ss' } },
        { kind: 'ConfigMap', name: 'cfg', data: { region: 'eu', k: 'key-material' } },
      ],
    );
    const pod = tempDir('stackyard-rendered-release');
    const { main } = release.materialize(release.workload('Deployment', 'web'), pod, FACTS, IMAGE);
    const [spec] = main;
    assert.equal(spec.executable, process.execPath);
    assert.equal(spec.cwd, '/repo');
    assert.deepEqual(spec.args, ['dist/main.js', `--key=${join(pod, 'volumes', 'key')}/k`]);
    assert.equal(spec.env.URL, 'mysql://u:p4ss@h/d');
    assert.equal(spec.env.REGION, 'eu');
    assert.equal(spec.env.POD, 'web-0');
    assert.equal(spec.env.NODE_ENV, 'production');
    assert.equal(readFileSync(spec.env.TOKEN_FILE, 'utf8'), 'pul-abc');
    assert.equal(readFileSync(join(pod, 'volumes', 'key', 'k'), 'utf8'), 'key-material');
    assert.equal(release.secretValue('gen', 'token'), 'pul-abc');
  });

  void it('refuses a container without a command, and references to objects that do not exist', () => {
    const pod = tempDir('stackyard-rendered-release');
    const noCommand = new RenderedRelease([deployment({ args: ['main.js'] })], []);
    assert.throws(() => noCommand.materialize(noCommand.workload('Deployment', 'web'), pod, FACTS, IMAGE), /has no command/);
    const missingKey = new RenderedRelease([deployment({ command: ['node'], env: [{ name: 'PW', valueFrom: { secretKeyRef: { name: 'db', key: 'pw' } } }] })], []);
    assert.throws(() => missingKey.materialize(missingKey.workload('Deployment', 'web'), pod, FACTS, IMAGE), /needs key pw of Secret db/);
    const missingVolume = new RenderedRelease([deployment({ command: ['node'] }, [{ name: 'v', secret: { secretName: 'nope' } }])], []);
    assert.throws(() => missingVolume.materialize(missingVolume.workload('Deployment', 'web'), pod, FACTS, IMAGE), /needs Secret nope/);
    const otherBinary = new RenderedRelease([deployment({ command: ['/bin/sh', '-c', 'x'] })], []);
    assert.throws(() => otherBinary.materialize(otherBinary.workload('Deployment', 'web'), pod, FACTS, IMAGE), /only knows the image's `node`/);
  });
});
