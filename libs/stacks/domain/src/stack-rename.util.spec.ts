import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { UntypedDeployment } from '@stackyard/shared-contracts';
import {
  OUTPUT_VALUE_SIG,
  RESOURCE_REFERENCE_SIG,
  SECRET_SIG,
  SIG_KEY,
  UNKNOWN_PROVIDER_ID,
  renameStackInDeployment,
  renameStackInUrn,
} from './stack-rename.util';

const OLD = 'urn:pulumi:dev::web::';
const NEW = 'urn:pulumi:prod::web::';
const STACK = `${OLD}pulumi:pulumi:Stack::web-dev`;
const PROVIDER = `${OLD}pulumi:providers:aws::default_6_0_0`;
const PROVIDER_ID = '6f2c1a9e-0d4b-4a8e-9c1f-1b2c3d4e5f60';
const SITE = `${OLD}my:app:Site::site`;
const BUCKET = `${OLD}my:app:Site$aws:s3/bucket:Bucket::site-bucket`;
const ROLE = `${OLD}aws:iam/role:Role::role`;
const POLICY = `${OLD}aws:iam/rolePolicy:RolePolicy::policy::with::colons`;
const STACK_REF = `${OLD}pulumi:pulumi:StackReference::acme/infra/dev`;
// URNs of other stacks, reachable through a StackReference: same stack name in another project,
// and the same project under another stack name. Neither may change.
const FOREIGN_SAME_STACK_NAME = 'urn:pulumi:dev::infra::aws:ec2/vpc:Vpc::main';
const FOREIGN_SAME_PROJECT = 'urn:pulumi:staging::web::aws:s3/bucket:Bucket::site-bucket';

const ref = (urn: string, id?: string): Record<string, unknown> => ({ [SIG_KEY]: RESOURCE_REFERENCE_SIG, urn, ...(id === undefined ? {} : { id }), packageVersion: '6.0.0' });
const secretCipher = (ciphertext: string): Record<string, unknown> => ({ [SIG_KEY]: SECRET_SIG, ciphertext });

/** A checkpoint shaped like what the CLI writes for a small program with components. */
function realisticDeployment(): UntypedDeployment {
  return {
    version: 3,
    deployment: {
      manifest: { time: '2026-01-02T03:04:05Z', magic: 'abc', version: 'v3.270.0' },
      secrets_providers: { type: 'service', state: { url: 'https://stackyard.example', owner: 'acme', project: 'web', stack: 'dev' } },
      metadata: {},
      resources: [
        {
          urn: STACK,
          custom: false,
          type: 'pulumi:pulumi:Stack',
          outputs: {
            bucketName: 'site-bucket-123',
            bucket: ref(BUCKET, 'site-bucket-123'),
            dbPassword: secretCipher('v1:AAAA:BBBB'),
            vpc: ref(FOREIGN_SAME_STACK_NAME, 'vpc-1'),
          },
        },
        {
          urn: PROVIDER,
          custom: true,
          id: PROVIDER_ID,
          type: 'pulumi:providers:aws',
          inputs: { region: 'eu-central-1', __internal: { 'pulumi-go-provider-version': '1' } },
          outputs: { region: 'eu-central-1' },
          parent: STACK,
        },
        {
          urn: STACK_REF,
          custom: true,
          id: 'acme/infra/dev',
          type: 'pulumi:pulumi:StackReference',
          inputs: { name: 'acme/infra/dev' },
          outputs: {
            name: 'acme/infra/dev',
            outputs: { vpc: ref(FOREIGN_SAME_STACK_NAME, 'vpc-1'), other: ref(FOREIGN_SAME_PROJECT, 'b') },
            secretOutputNames: [],
          },
          parent: STACK,
          provider: `urn:pulumi:dev::web::pulumi:providers:pulumi::default::${PROVIDER_ID}`,
        },
        { urn: SITE, custom: false, type: 'my:app:Site', parent: STACK, aliases: [`${OLD}my:app:OldSite::site`, { name: 'site', project: 'web' }] },
        {
          urn: ROLE,
          custom: true,
          id: 'role-1',
          type: 'aws:iam/role:Role',
          parent: SITE,
          provider: `${PROVIDER}::${PROVIDER_ID}`,
          inputs: { assumeRolePolicy: '{}' },
          outputs: { arn: 'arn:aws:iam::1:role/role-1' },
        },
        {
          urn: BUCKET,
          custom: true,
          id: 'site-bucket-123',
          type: 'aws:s3/bucket:Bucket',
          parent: SITE,
          provider: `${PROVIDER}::${PROVIDER_ID}`,
          dependencies: [ROLE, SITE],
          propertyDependencies: { policy: [ROLE], tags: [] },
          deletedWith: SITE,
          replaceWith: [ROLE],
          viewOf: SITE,
          aliases: [`${OLD}aws:s3/bucket:Bucket::site-bucket`],
          inputs: {
            tags: { owner: 'team' },
            role: ref(ROLE, 'role-1'),
            nested: [{ deeper: { list: [ref(SITE)] } }],
            apiKey: secretCipher('v1:CCCC:DDDD'),
            plain: { [SIG_KEY]: SECRET_SIG, plaintext: JSON.stringify({ owner: ref(ROLE, 'role-1') }) },
            later: { [SIG_KEY]: OUTPUT_VALUE_SIG, value: ref(ROLE), dependencies: [ROLE, FOREIGN_SAME_PROJECT] },
            asset: { [SIG_KEY]: 'c44067f5952c0a294b673a41bacd8c17', text: 'hello', hash: 'x' },
          },
          outputs: { arn: 'arn:aws:s3:::site-bucket-123', policyRole: ref(ROLE, 'role-1') },
          replacementTrigger: ref(ROLE),
          created: '2026-01-02T03:04:05Z',
        },
        { urn: POLICY, custom: true, id: 'p', type: 'aws:iam/rolePolicy:RolePolicy', parent: ROLE, provider: `${PROVIDER}::${PROVIDER_ID}`, dependencies: [ROLE] },
      ],
      pending_operations: [
        {
          type: 'creating',
          resource: {
            urn: `${OLD}my:app:Site$aws:s3/bucketObject:BucketObject::index`,
            custom: true,
            type: 'aws:s3/bucketObject:BucketObject',
            parent: SITE,
            provider: `${PROVIDER}::${PROVIDER_ID}`,
            dependencies: [BUCKET],
            propertyDependencies: { bucket: [BUCKET] },
            inputs: { bucket: ref(BUCKET, 'site-bucket-123') },
          },
        },
      ],
    },
  };
}

const names = { oldStack: 'dev', newStack: 'prod', oldProject: 'web' };
const resources = (u: UntypedDeployment): Array<Record<string, unknown>> => u.deployment['resources'] as Array<Record<string, unknown>>;

void describe('renameStackInDeployment', () => {
  void it('leaves no URN of the old stack anywhere', () => {
    const text = JSON.stringify(renameStackInDeployment(realisticDeployment(), names));
    assert.equal(text.includes(OLD), false, `old URN left in ${text}`);
    // Including inside secret plaintext, which is JSON text within a string.
    assert.equal(text.includes('urn:pulumi:dev::web'), false);
  });

  void it('rewrites every URN-bearing field as the reference does', () => {
    const out = renameStackInDeployment(realisticDeployment(), names);
    const [stack, provider, stackRef, site, role, bucket, policy] = resources(out);
    assert.equal(stack['urn'], `${NEW}pulumi:pulumi:Stack::web-prod`);
    assert.equal(provider['urn'], `${NEW}pulumi:providers:aws::default_6_0_0`);
    assert.equal(provider['parent'], `${NEW}pulumi:pulumi:Stack::web-prod`);
    assert.equal(stackRef['provider'], `urn:pulumi:prod::web::pulumi:providers:pulumi::default::${PROVIDER_ID}`);
    assert.deepEqual(site['aliases'], [`${NEW}my:app:OldSite::site`, { name: 'site', project: 'web' }]);
    assert.equal(role['provider'], `${NEW}pulumi:providers:aws::default_6_0_0::${PROVIDER_ID}`);
    assert.equal(bucket['urn'], `${NEW}my:app:Site$aws:s3/bucket:Bucket::site-bucket`);
    assert.equal(bucket['parent'], `${NEW}my:app:Site::site`);
    assert.deepEqual(bucket['dependencies'], [`${NEW}aws:iam/role:Role::role`, `${NEW}my:app:Site::site`]);
    assert.deepEqual(bucket['propertyDependencies'], { policy: [`${NEW}aws:iam/role:Role::role`], tags: [] });
    assert.equal(bucket['deletedWith'], `${NEW}my:app:Site::site`);
    assert.deepEqual(bucket['replaceWith'], [`${NEW}aws:iam/role:Role::role`]);
    assert.equal(bucket['viewOf'], `${NEW}my:app:Site::site`);
    assert.deepEqual(bucket['aliases'], [`${NEW}aws:s3/bucket:Bucket::site-bucket`]);
    assert.deepEqual(bucket['replacementTrigger'], ref(`${NEW}aws:iam/role:Role::role`));
    // Names containing '::' survive (everything after the third delimiter is the name).
    assert.equal(policy['urn'], `${NEW}aws:iam/rolePolicy:RolePolicy::policy::with::colons`);
  });

  void it('rewrites resource references, output values and plaintext secrets inside property values', () => {
    const out = renameStackInDeployment(realisticDeployment(), names);
    const [stack, , , , , bucket] = resources(out);
    const inputs = bucket['inputs'] as Record<string, Record<string, unknown>>;
    assert.deepEqual(inputs['role'], ref(`${NEW}aws:iam/role:Role::role`, 'role-1'));
    assert.deepEqual(inputs['nested'], [{ deeper: { list: [ref(`${NEW}my:app:Site::site`)] } }]);
    assert.deepEqual(JSON.parse(inputs['plain']['plaintext'] as string), { owner: ref(`${NEW}aws:iam/role:Role::role`, 'role-1') });
    assert.deepEqual(inputs['later'], {
      [SIG_KEY]: OUTPUT_VALUE_SIG,
      value: ref(`${NEW}aws:iam/role:Role::role`),
      dependencies: [`${NEW}aws:iam/role:Role::role`, FOREIGN_SAME_PROJECT],
    });
    assert.deepEqual(inputs['apiKey'], secretCipher('v1:CCCC:DDDD'));
    assert.deepEqual((stack['outputs'] as Record<string, unknown>)['bucket'], ref(`${NEW}my:app:Site$aws:s3/bucket:Bucket::site-bucket`, 'site-bucket-123'));
  });

  void it('rewrites pending operations', () => {
    const out = renameStackInDeployment(realisticDeployment(), names);
    const [op] = out.deployment['pending_operations'] as Array<{ type: string; resource: Record<string, unknown> }>;
    assert.equal(op.type, 'creating');
    assert.equal(op.resource['urn'], `${NEW}my:app:Site$aws:s3/bucketObject:BucketObject::index`);
    assert.equal(op.resource['parent'], `${NEW}my:app:Site::site`);
    assert.equal(op.resource['provider'], `${NEW}pulumi:providers:aws::default_6_0_0::${PROVIDER_ID}`);
    assert.deepEqual(op.resource['propertyDependencies'], { bucket: [`${NEW}my:app:Site$aws:s3/bucket:Bucket::site-bucket`] });
  });

  void it("leaves other stacks' URNs alone (StackReference outputs)", () => {
    const out = renameStackInDeployment(realisticDeployment(), names);
    const [stack, , stackRef] = resources(out);
    assert.deepEqual((stack['outputs'] as Record<string, unknown>)['vpc'], ref(FOREIGN_SAME_STACK_NAME, 'vpc-1'));
    assert.deepEqual((stackRef['outputs'] as Record<string, unknown>)['outputs'], { vpc: ref(FOREIGN_SAME_STACK_NAME, 'vpc-1'), other: ref(FOREIGN_SAME_PROJECT, 'b') });
    const text = JSON.stringify(out);
    assert.ok(text.includes(FOREIGN_SAME_STACK_NAME) && text.includes(FOREIGN_SAME_PROJECT));
  });

  void it('without oldProject, matches the stack name in any project (the reference default)', () => {
    const out = renameStackInDeployment(realisticDeployment(), { oldStack: 'dev', newStack: 'prod' });
    const [stack] = resources(out);
    assert.deepEqual((stack['outputs'] as Record<string, unknown>)['vpc'], ref('urn:pulumi:prod::infra::aws:ec2/vpc:Vpc::main', 'vpc-1'));
  });

  void it('updates the service secrets provider state', () => {
    const out = renameStackInDeployment(realisticDeployment(), names);
    assert.deepEqual(out.deployment['secrets_providers'], { type: 'service', state: { url: 'https://stackyard.example', owner: 'acme', project: 'web', stack: 'prod' } });
    const moved = renameStackInDeployment(realisticDeployment(), { ...names, newProject: 'site' });
    assert.deepEqual(moved.deployment['secrets_providers'], { type: 'service', state: { url: 'https://stackyard.example', owner: 'acme', project: 'site', stack: 'prod' } });
  });

  void it('leaves other secrets providers alone', () => {
    const input = realisticDeployment();
    const passphrase = { type: 'passphrase', state: { salt: 'v1:abc' } };
    input.deployment['secrets_providers'] = passphrase;
    assert.equal(renameStackInDeployment(input, names).deployment['secrets_providers'], passphrase);
  });

  void it('moves URNs to a new project and renames the root stack resource to <project>-<stack>', () => {
    const out = renameStackInDeployment(realisticDeployment(), { ...names, newProject: 'site' });
    const text = JSON.stringify(out);
    assert.equal(text.includes('urn:pulumi:dev::web::'), false);
    assert.equal(text.includes('urn:pulumi:prod::web::'), false);
    const [stack, , , , role] = resources(out);
    assert.equal(stack['urn'], 'urn:pulumi:prod::site::pulumi:pulumi:Stack::site-prod');
    assert.equal(role['parent'], 'urn:pulumi:prod::site::my:app:Site::site');
    assert.ok(text.includes(FOREIGN_SAME_PROJECT), 'a foreign stack of the old project keeps its URN');
  });

  void it('does not modify its input, and shares untouched sub-trees', () => {
    const input = realisticDeployment();
    const before = structuredClone(input);
    const out = renameStackInDeployment(input, names);
    assert.deepEqual(input, before);
    assert.notEqual(out.deployment, input.deployment);
    assert.equal(out.deployment['manifest'], input.deployment['manifest']);
    const [, provider] = resources(out);
    assert.equal(provider['inputs'], resources(input)[1]['inputs'], 'inputs without URNs are shared');
  });

  void it('keeps version and features', () => {
    const input: UntypedDeployment = { ...realisticDeployment(), version: 4, features: ['views'] };
    const out = renameStackInDeployment(input, names);
    assert.equal(out.version, 4);
    assert.deepEqual(out.features, ['views']);
  });

  void it('handles empty and odd deployments without throwing', () => {
    const empty: UntypedDeployment = { version: 3, deployment: { manifest: {} } };
    assert.deepEqual(renameStackInDeployment(empty, names), empty);
    const odd: UntypedDeployment = {
      version: 3,
      deployment: { manifest: {}, resources: [null, 3, 'x', { urn: 5, dependencies: 'nope', provider: 'no-separator', inputs: [1] }], pending_operations: [null, {}] },
    };
    assert.deepEqual(renameStackInDeployment(odd, names), odd);
  });

  void it('also rewrites the verbatim layout key pendingOperations', () => {
    const input: UntypedDeployment = { version: 3, deployment: { manifest: {}, pendingOperations: [{ type: 'updating', resource: { urn: ROLE } }] } };
    const out = renameStackInDeployment(input, names);
    assert.deepEqual(out.deployment['pendingOperations'], [{ type: 'updating', resource: { urn: `${NEW}aws:iam/role:Role::role` } }]);
  });

  void it('fills in the unknown provider id like providers.NewReference, and keeps foreign refs byte-for-byte', () => {
    const input: UntypedDeployment = {
      version: 3,
      deployment: { manifest: {}, resources: [{ urn: ROLE, provider: `${PROVIDER}::` }, { urn: ROLE, provider: `urn:pulumi:qa::web::pulumi:providers:aws::default::` }] },
    };
    const [a, b] = resources(renameStackInDeployment(input, names));
    assert.equal(a['provider'], `${NEW}pulumi:providers:aws::default_6_0_0::${UNKNOWN_PROVIDER_ID}`);
    assert.equal(b['provider'], 'urn:pulumi:qa::web::pulumi:providers:aws::default::');
  });

  void describe('plain strings in property values', () => {
    const withPlain = (): UntypedDeployment => ({
      version: 3,
      deployment: { manifest: {}, resources: [{ urn: STACK, type: 'pulumi:pulumi:Stack', outputs: { bucketUrn: BUCKET, note: `see ${BUCKET}`, foreign: FOREIGN_SAME_PROJECT } }] },
    });

    void it('are left alone by default, like the reference', () => {
      const [stack] = resources(renameStackInDeployment(withPlain(), names));
      assert.deepEqual(stack['outputs'], { bucketUrn: BUCKET, note: `see ${BUCKET}`, foreign: FOREIGN_SAME_PROJECT });
    });

    void it('are rewritten when exactly a matching URN with rewritePlainStrings', () => {
      const [stack] = resources(renameStackInDeployment(withPlain(), { ...names, rewritePlainStrings: true }));
      assert.deepEqual(stack['outputs'], { bucketUrn: `${NEW}my:app:Site$aws:s3/bucket:Bucket::site-bucket`, note: `see ${BUCKET}`, foreign: FOREIGN_SAME_PROJECT });
    });
  });

  void it('keeps members named __proto__ as data', () => {
    const inputs = JSON.parse(`{"__proto__":{"r":${JSON.stringify(ref(ROLE))}},"x":1}`) as Record<string, unknown>;
    const input: UntypedDeployment = { version: 3, deployment: { manifest: {}, resources: [{ urn: ROLE, inputs }] } };
    const [res] = resources(renameStackInDeployment(input, names));
    const out = res['inputs'] as Record<string, unknown>;
    assert.ok(Object.prototype.hasOwnProperty.call(out, '__proto__'));
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    assert.equal(JSON.stringify(out), `{"__proto__":{"r":${JSON.stringify(ref(`${NEW}aws:iam/role:Role::role`))}},"x":1}`);
  });
});

void describe('renameStackInUrn', () => {
  const cases: Array<[string, string, Parameters<typeof renameStackInUrn>[1]?]> = [
    [`${OLD}aws:s3/bucket:Bucket::b`, `${NEW}aws:s3/bucket:Bucket::b`],
    [`${OLD}pulumi:pulumi:Stack::web-dev`, `${NEW}pulumi:pulumi:Stack::web-prod`],
    // The root stack's name is recomputed even when it did not follow the convention.
    [`${OLD}pulumi:pulumi:Stack::whatever`, `${NEW}pulumi:pulumi:Stack::web-prod`],
    [`${OLD}a:b:C$d:e:F::n::m`, `${NEW}a:b:C$d:e:F::n::m`],
    [`${OLD}t::`, `${NEW}t::`],
    ['urn:pulumi:dev::other::t::n', 'urn:pulumi:dev::other::t::n'],
    ['urn:pulumi:dev::other::t::n', 'urn:pulumi:prod::other::t::n', { oldStack: 'dev', newStack: 'prod' }],
    ['urn:pulumi:dev::web::pulumi:pulumi:Stack::web-dev', 'urn:pulumi:prod::site::pulumi:pulumi:Stack::site-prod', { ...names, newProject: 'site' }],
    ['urn:pulumi:devx::web::t::n', 'urn:pulumi:devx::web::t::n'],
    ['urn:pulumi:dev::web::t', 'urn:pulumi:dev::web::t'], // not a URN: only two delimiters
    ['urn:other:dev::web::t::n', 'urn:other:dev::web::t::n'],
    ['dev::web::t::n', 'dev::web::t::n'],
    ['', ''],
  ];
  for (const [input, expected, n] of cases) {
    void it(`${JSON.stringify(input)} → ${JSON.stringify(expected)}`, () => {
      assert.equal(renameStackInUrn(input, n ?? names), expected);
    });
  }
});
