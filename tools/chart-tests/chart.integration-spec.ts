import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { CHART_KUBE_VERSION, parseManifests, renderChart, runChartTool, tempDir, type Manifest } from '@stackyard/testing';
import { documentedValues, renderChartReadme } from '../chart-readme/chart-readme';
import { dockerfileProblems } from './dockerfile-lint';

/**
 * The chart with the real tools: helm v3 lints and renders every values file in charts/stackyard/ci,
 * kubernetes-validate checks every rendered core object against Kubernetes' strict schemas (unknown
 * fields refused), the cert-manager and prometheus-operator objects are checked structurally, the
 * helm-unittest suites run, bad values fail with clear messages, and the README and Dockerfile are
 * checked against their sources.
 */
const ROOT = resolve(__dirname, '..', '..', '..');
const CHART = join(ROOT, 'charts', 'stackyard');
const CI_VALUES = readdirSync(join(CHART, 'ci')).filter((f) => f.endsWith('.yaml')).sort();

/**
 * Fields the chart may use in the custom resources, per kind and path, after the published CRDs
 * (cert-manager.io/v1 Certificate and Issuer, monitoring.coreos.com/v1 ServiceMonitor; field
 * names as in @kubernetes-models/cert-manager and prometheus-operator 6.0.0). No JSON schema of
 * these CRDs is published on npm or PyPI, so this check is structural: every key must be one the
 * CRD defines, and the required ones must be there.
 */
const CRD_FIELDS: Record<string, Record<string, string[]>> = {
  Certificate: {
    '': ['apiVersion', 'kind', 'metadata', 'spec'],
    spec: ['secretName', 'commonName', 'duration', 'renewBefore', 'privateKey', 'dnsNames', 'ipAddresses', 'uris', 'usages', 'issuerRef', 'isCA', 'subject', 'secretTemplate', 'emailAddresses'],
    'spec.privateKey': ['algorithm', 'size', 'rotationPolicy', 'encoding'],
    'spec.issuerRef': ['name', 'kind', 'group'],
  },
  Issuer: {
    '': ['apiVersion', 'kind', 'metadata', 'spec'],
    spec: ['selfSigned', 'ca'],
    'spec.ca': ['secretName', 'crlDistributionPoints', 'ocspServers'],
    'spec.selfSigned': ['crlDistributionPoints'],
  },
  ServiceMonitor: {
    '': ['apiVersion', 'kind', 'metadata', 'spec'],
    spec: ['selector', 'endpoints', 'namespaceSelector', 'jobLabel'],
    'spec.endpoints[]': ['port', 'path', 'scheme', 'interval', 'tlsConfig', 'scrapeTimeout'],
    'spec.endpoints[].tlsConfig': ['serverName', 'ca', 'cert', 'keySecret', 'insecureSkipVerify'],
  },
};
const CRD_REQUIRED: Record<string, string[]> = { Certificate: ['spec.secretName', 'spec.issuerRef.name'], Issuer: [], ServiceMonitor: ['spec.selector', 'spec.endpoints'] };
const USAGES = new Set(['digital signature', 'key encipherment', 'server auth', 'client auth', 'cert sign']);

function at(obj: unknown, path: string): unknown {
  let node: unknown = obj;
  for (const part of path.split('.').filter(Boolean)) node = node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined;
  return node;
}

function crdProblems(doc: Manifest): string[] {
  const fields = CRD_FIELDS[doc.kind];
  const where = `${doc.kind}/${doc.metadata.name}`;
  const problems: string[] = [];
  for (const [path, allowed] of Object.entries(fields)) {
    const nodes = path.includes('[]') ? ((at(doc, path.split('[]')[0]) as unknown[]) ?? []).map((item) => at(item, path.split('[]')[1] ?? '')) : [at(doc, path)];
    for (const node of nodes) {
      if (!node || typeof node !== 'object') continue;
      for (const key of Object.keys(node)) if (!allowed.includes(key)) problems.push(`${where}: unknown field ${path ? `${path}.` : ''}${key}`);
    }
  }
  for (const path of CRD_REQUIRED[doc.kind]) if (at(doc, path) === undefined) problems.push(`${where}: ${path} is required`);
  if (doc.kind === 'Certificate') for (const usage of (at(doc, 'spec.usages') as string[] | undefined) ?? []) if (!USAGES.has(usage)) problems.push(`${where}: unknown usage ${usage}`);
  return problems;
}

describe('charts/stackyard with helm, kubernetes-validate and helm-unittest', { timeout: 10 * 60_000 }, () => {
  const work = tempDir('stackyard-chart');

  for (const file of CI_VALUES) {
    void it(`lints, renders and strictly validates ci/${file}`, () => {
      const values = join(CHART, 'ci', file);
      const lint = runChartTool('helm', ['lint', CHART, '--strict', '-f', values, '--kube-version', CHART_KUBE_VERSION]);
      assert.equal(lint.code, 0, `helm lint failed:\n${lint.stdout}${lint.stderr}`);
      const rendered = renderChart(CHART, { valuesFiles: [values] });
      const docs = parseManifests(rendered);
      assert.ok(docs.some((d) => d.kind === 'Deployment'), 'renders Deployments');
      const core = docs.filter((d) => !(d.kind in CRD_FIELDS));
      // JSON documents joined by `---` are a YAML stream: one kubernetes-validate run per values file.
      const coreFile = join(work, file.replace(/\.yaml$/, '.rendered.yaml'));
      writeFileSync(coreFile, core.map((doc) => JSON.stringify(doc)).join('\n---\n'));
      const problems: string[] = [];
      const validated = runChartTool('kubernetes-validate', ['--strict', '-k', CHART_KUBE_VERSION, coreFile]);
      const output = validated.stdout + validated.stderr;
      if (validated.code !== 0 || /WARN|ERROR/.test(output)) problems.push(output.trim());
      assert.equal((output.match(/^INFO .* passed for resource /gm) ?? []).length, core.length, `every core object was validated:\n${output}`);
      for (const doc of docs.filter((d) => d.kind in CRD_FIELDS)) problems.push(...crdProblems(doc));
      assert.deepEqual(problems, []);
      // Every workload is locked down, whatever the values.
      for (const doc of docs.filter((d) => ['Deployment', 'StatefulSet', 'Job'].includes(d.kind))) {
        const pod = at(doc, 'spec.template.spec') as Record<string, unknown>;
        assert.equal(at(pod, 'securityContext.runAsNonRoot'), true, `${doc.metadata.name} runs as non-root`);
        assert.equal(at(pod, 'securityContext.seccompProfile.type'), 'RuntimeDefault');
        for (const c of [...((pod.initContainers as unknown[]) ?? []), ...(pod.containers as unknown[])]) {
          assert.equal(at(c, 'securityContext.readOnlyRootFilesystem'), true, `${doc.metadata.name} has a read-only root`);
          assert.deepEqual(at(c, 'securityContext.capabilities.drop'), ['ALL']);
        }
      }
    });
  }

  void it('passes its helm-unittest suites (charts/stackyard/tests)', () => {
    const result = runChartTool('helm-unittest', ['--strict', '--color=false', CHART]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /Test Suites:\s+\d+ passed, \d+ total/);
    assert.doesNotMatch(result.stdout, /failed/);
  });

  void it('refuses a value that is not in values.schema.json', () => {
    assert.throws(() => renderChart(CHART, { set: ['api.replicas=3'] }), /at '\/api': additional properties 'replicas' not allowed/);
    assert.throws(() => renderChart(CHART, { set: ['keyProvider.type=hsm'] }), /keyProvider\/type/);
  });

  void it('fails a removed value with the name of its replacement', () => {
    assert.throws(
      () => renderChart(CHART, { set: ['tls.enabled=false'] }),
      /the value 'tls\.enabled' was removed from the stackyard chart; use tls\.mode \(certManager or secrets\); TLS cannot be turned off instead/,
    );
    assert.throws(() => renderChart(CHART, { set: ['s3.bucket=x'] }), /the value 's3' was removed from the stackyard chart; use minio\.enabled/);
  });

  void it('documents every value, and its schema refuses unknown keys at every level', () => {
    const valuesText = readFileSync(join(CHART, 'values.yaml'), 'utf8');
    const documented = new Set(documentedValues(valuesText).map((d) => d.key));
    const schema = JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8')) as SchemaNode;
    const undocumented: string[] = [];
    const open: string[] = [];
    // A documented block (e.g. `api.resources`) documents the keys inside it too.
    const walk = (node: SchemaNode, path: string, covered: boolean): void => {
      if (!node.properties) return;
      if (node.additionalProperties !== false) open.push(path || '(root)');
      for (const [key, child] of Object.entries(node.properties)) {
        const childPath = path ? `${path}.${key}` : key;
        if (child.$comment?.startsWith('removed')) continue;
        const childCovered = covered || documented.has(childPath);
        if (!child.properties && !childCovered) undocumented.push(childPath);
        walk(child, childPath, childCovered);
      }
    };
    walk(schema, '', false);
    assert.deepEqual(undocumented, [], 'every leaf value has a # -- comment in values.yaml');
    assert.deepEqual(open, [], 'every object in values.schema.json has additionalProperties: false');
  });

  void it('has a README generated from values.yaml that is up to date (node dist/tools/chart-readme/chart-readme.js)', () => {
    assert.equal(readFileSync(join(CHART, 'README.md'), 'utf8'), renderChartReadme(CHART), 'charts/stackyard/README.md is out of date: run node dist/tools/chart-readme/chart-readme.js');
  });

  void it('builds its images from a Dockerfile that passes the static checks (pinned bases, numeric non-root user, no build tools at run time)', () => {
    const text = readFileSync(join(ROOT, 'docker', 'Dockerfile'), 'utf8');
    assert.deepEqual(dockerfileProblems(text), []);
  });
});

interface SchemaNode {
  properties?: Record<string, SchemaNode>;
  additionalProperties?: boolean | object;
  $comment?: string;
}
