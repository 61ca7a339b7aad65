/**
 * Throughput of `scanJson` / `validateUntypedDeployment` on a synthetic checkpoint of realistic shape
 * (~64 MiB, 50k resources). Not part of the unit tests: timings depend on the machine.
 *
 *   npm run build && node dist/libs/stacks/domain/bench/json-scan.bench.js [resources] [targetMiB]
 */
import { scanJson, validateUntypedDeployment } from '../src/index';

const resources = Number(process.argv[2] ?? 50_000);
const targetMiB = Number(process.argv[3] ?? 64);

function syntheticCheckpoint(count: number, bytesPerResource: number): Buffer {
  const stack = 'production';
  const project = 'bench-app';
  const prefix = `urn:pulumi:${stack}::${project}::`;
  const provider = `${prefix}pulumi:providers:aws::default_6_0_0`;
  const parts: string[] = [];
  parts.push(
    `{"version":3,"deployment":{"manifest":{"time":"2026-01-02T03:04:05.123456789Z","magic":"0123456789abcdef","version":"v3.270.0"},` +
      `"secrets_providers":{"type":"service","state":{"url":"https://stackyard.example","owner":"acme","project":"${project}","stack":"${stack}"}},` +
      `"resources":[`,
  );
  for (let i = 0; i < count; i++) {
    const urn = `${prefix}aws:s3/bucket:Bucket::bucket-${i}`;
    const res = {
      urn,
      custom: true,
      id: `bucket-${i}-${(i * 2654435761).toString(16)}`,
      type: 'aws:s3/bucket:Bucket',
      inputs: {
        __defaults: ['forceDestroy'],
        bucket: `bucket-${i}`,
        tags: { Name: `bucket ${i}`, Owner: 'Zoë Ångström – ops ☃', 'kubernetes.io/cluster': 'owned' },
        policy: '{"Version":"2012-10-17","Statement":[]}',
        lifecycleRules: [{ enabled: true, expiration: { days: 30 + (i % 7) }, id: 'expire\told\n' }],
        password: { '4dabf18193072939515e22adb298388d': '1b47061264138c4ac30d75fd1eb44270', ciphertext: 'v1:' + 'QUJD'.repeat(12) },
      },
      outputs: {
        arn: `arn:aws:s3:::bucket-${i}`,
        bucketDomainName: `bucket-${i}.s3.amazonaws.com`,
        hostedZoneId: 'Z3AQBSTGFYJSTF',
        region: 'eu-central-1',
        versioning: { enabled: false, mfaDelete: false },
        size: i * 1.5e3,
        ratio: -0.000123e-5,
        padding: '',
      },
      parent: `${prefix}pulumi:pulumi:Stack::${project}-${stack}`,
      dependencies: [`${prefix}aws:iam/role:Role::role-${i % 100}`],
      provider: `${provider}::04da6b54-80e4-46f7-96ec-b56ff0331ba9`,
      propertyDependencies: { bucket: [], tags: [`${prefix}aws:iam/role:Role::role-${i % 100}`] },
      created: '2026-01-02T03:04:05.123456789Z',
      modified: '2026-01-02T03:04:05.123456789Z',
    };
    let text = JSON.stringify(res);
    // Pad to the target size with a plain string output, like large user-data/policy documents.
    const pad = bytesPerResource - Buffer.byteLength(text);
    if (pad > 0) text = text.replace('"padding":""', `"padding":"${'x'.repeat(pad)}"`);
    parts.push(i === 0 ? text : `,${text}`);
  }
  parts.push('],"metadata":{}}}');
  return Buffer.from(parts.join(''));
}

function measure(label: string, bytes: number, fn: () => unknown): void {
  for (let i = 0; i < 2; i++) fn(); // warm up the JIT
  const runs = 5;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  times.sort((a, b) => a - b);
  const best = times[0];
  const median = times[Math.floor(runs / 2)];
  const mb = bytes / 1e6;
  console.log(`${label.padEnd(34)} best ${(mb / best).toFixed(0).padStart(5)} MB/s  median ${(mb / median).toFixed(0).padStart(5)} MB/s  (${(median * 1000).toFixed(0)} ms)`);
}

const buf = syntheticCheckpoint(resources, Math.floor((targetMiB * 1024 * 1024) / resources));
console.log(`synthetic checkpoint: ${(buf.length / 1024 / 1024).toFixed(1)} MiB, ${resources} resources`);
const info = validateUntypedDeployment(buf);
if (!info.ok || info.info.resourceCount !== resources) throw new Error(`unexpected validation result ${JSON.stringify(info)}`);
measure('scanJson (root members only)', buf.length, () => scanJson(buf));
measure('validateUntypedDeployment', buf.length, () => validateUntypedDeployment(buf));
measure('JSON.parse(buf.toString()) [ref]', buf.length, () => JSON.parse(buf.toString('utf8')) as unknown);
