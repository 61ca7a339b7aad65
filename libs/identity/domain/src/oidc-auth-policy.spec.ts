import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuthPolicyDefinition } from '@stackyard/shared-contracts';
import { AuthPolicyError, claimAt, decideExchange, matchesPattern, parseAuthPolicies, rulesMatch } from './oidc-auth-policy';

/** A projected service-account token's claims, as kube-apiserver writes them. */
const claims = {
  iss: 'https://kubernetes.default.svc.cluster.local',
  sub: 'system:serviceaccount:ci:deployer',
  aud: ['urn:pulumi:org:acme', 'https://kubernetes.default.svc'],
  'kubernetes.io': { namespace: 'ci', serviceaccount: { name: 'deployer', uid: 'u-1' }, pod: { name: 'deployer-abc' } },
  exp: 2,
  iat: 1,
};

const allowOrg: AuthPolicyDefinition = { decision: 'allow', tokenType: 'organization', authorizedPermissions: [], rules: { aud: 'urn:pulumi:org:acme', sub: 'system:serviceaccount:ci:*' } };

void describe('OIDC authorization policies', () => {
  void it('matches exact values and globs, case-sensitively', () => {
    assert.ok(matchesPattern('system:serviceaccount:ci:deployer', 'system:serviceaccount:ci:deployer'));
    assert.ok(matchesPattern('system:serviceaccount:ci:*', 'system:serviceaccount:ci:deployer'));
    assert.ok(matchesPattern('*', ''));
    assert.ok(matchesPattern('repo:acme/*:ref:refs/heads/main', 'repo:acme/infra:ref:refs/heads/main'));
    assert.ok(!matchesPattern('system:serviceaccount:ci:*', 'system:serviceaccount:cid:deployer'));
    assert.ok(!matchesPattern('system:serviceaccount:CI:deployer', 'system:serviceaccount:ci:deployer'));
    // Regex syntax in a pattern is literal.
    assert.ok(!matchesPattern('a.c', 'abc'));
    assert.ok(matchesPattern('a.c(1)', 'a.c(1)'));
  });

  void it('finds nested claims by dotted path, even below names that contain dots', () => {
    assert.equal(claimAt(claims, 'kubernetes.io.namespace'), 'ci');
    assert.equal(claimAt(claims, 'kubernetes.io.serviceaccount.name'), 'deployer');
    assert.equal(claimAt(claims, 'kubernetes.io.nothing'), undefined);
    assert.equal(claimAt({ 'a.b': 1, a: { b: 2 } }, 'a.b'), 1, 'an exact name wins');
  });

  void it('matches list claims on any element and never on objects', () => {
    assert.ok(rulesMatch({ aud: 'urn:pulumi:org:acme' }, claims));
    assert.ok(rulesMatch({ aud: 'https://kubernetes.*' }, claims));
    assert.ok(!rulesMatch({ 'kubernetes.io': '*' }, claims), 'an object is not a value');
    assert.ok(!rulesMatch({ missing: '*' }, claims), 'a missing claim never matches, not even "*"');
    assert.ok(rulesMatch({ exp: '2' }, claims), 'numbers compare as their decimal text');
  });

  void it('grants the first matching allow rule for the requested token, team or user', () => {
    const team: AuthPolicyDefinition = { decision: 'allow', tokenType: 'team', teamName: 'platform', authorizedPermissions: [], rules: { aud: '*', sub: '*' } };
    const personal: AuthPolicyDefinition = { decision: 'allow', tokenType: 'personal', userLogin: 'alice', authorizedPermissions: [], rules: { aud: '*', sub: '*' } };
    const policies = [team, personal, allowOrg];
    assert.deepEqual(decideExchange(policies, claims, { kind: 'organization', admin: false }), { allowed: true, policyIndex: 2 });
    assert.deepEqual(decideExchange(policies, claims, { kind: 'team', team: 'platform', admin: false }), { allowed: true, policyIndex: 0 });
    assert.deepEqual(decideExchange(policies, claims, { kind: 'team', team: 'finance', admin: false }), { allowed: false, reason: 'no-match' });
    assert.deepEqual(decideExchange(policies, claims, { kind: 'personal', user: 'alice', admin: false }), { allowed: true, policyIndex: 1 });
    assert.deepEqual(decideExchange(policies, claims, { kind: 'personal', user: 'bob', admin: false }), { allowed: false, reason: 'no-match' });
    assert.deepEqual(decideExchange([allowOrg], { ...claims, sub: 'system:serviceaccount:default:default' }, { kind: 'organization', admin: false }), { allowed: false, reason: 'no-match' });
  });

  void it('lets a matching deny rule win, and grants admin only where authorized', () => {
    const deny: AuthPolicyDefinition = { decision: 'deny', tokenType: 'organization', authorizedPermissions: [], rules: { 'kubernetes.io.pod.name': 'deployer-*' } };
    assert.deepEqual(decideExchange([allowOrg, deny], claims, { kind: 'organization', admin: false }), { allowed: false, reason: 'denied', policyIndex: 1 });
    assert.deepEqual(decideExchange([allowOrg], claims, { kind: 'organization', admin: true }), { allowed: false, reason: 'admin-not-authorized', policyIndex: 0 });
    const admin = { ...allowOrg, authorizedPermissions: ['admin'] };
    assert.deepEqual(decideExchange([allowOrg, admin], claims, { kind: 'organization', admin: true }), { allowed: true, policyIndex: 1 });
  });

  void it('parses Pulumi-shaped policy lists and reports every problem', () => {
    const parsed = parseAuthPolicies({
      policies: [
        { decision: 'allow', tokenType: 'org', authorizedPermissions: ['admin'], rules: { aud: 'urn:pulumi:org:acme', sub: 'system:serviceaccount:ci:deployer' }, teamName: '' },
        { decision: 'deny', tokenType: 'team', teamName: 'platform', authorizedPermissions: [], rules: { 'kubernetes.io.namespace': 'kube-system' } },
      ],
    });
    assert.deepEqual(parsed[0], { decision: 'allow', tokenType: 'organization', authorizedPermissions: ['admin'], rules: { aud: 'urn:pulumi:org:acme', sub: 'system:serviceaccount:ci:deployer' } });
    assert.equal(parsed[1].teamName, 'platform');
    assert.throws(
      () =>
        parseAuthPolicies({
          policies: [
            { decision: 'maybe', tokenType: 'runner', runnerID: 'r', authorizedPermissions: ['write'], rules: {} },
            { decision: 'allow', tokenType: 'team', authorizedPermissions: ['admin'], rules: { sub: 'x' } },
            { decision: 'allow', tokenType: 'personal', userLogin: 'alice', roleID: 'r1', authorizedPermissions: [], rules: { aud: 'a', sub: 1 } },
          ],
        }),
      (error: unknown) => {
        assert.ok(error instanceof AuthPolicyError);
        const text = error.problems.join('\n');
        for (const expected of [
          /policies\[0\]\.decision/,
          /"runner" is not supported/,
          /policies\[0\]\.runnerID is not supported/,
          /policies\[0\]\.authorizedPermissions may only contain "admin"/,
          /policies\[0\]\.rules must map at least one claim/,
          /policies\[1\]\.teamName must name the team/,
          /policies\[1\]\.authorizedPermissions: "admin" applies to organization tokens only/,
          /policies\[1\]: an allow rule must constrain "aud"/,
          /policies\[2\]\.roleID is not supported/,
          /policies\[2\]\.rules\.sub must be a string/,
        ]) {
          assert.match(text, expected);
        }
        return true;
      },
    );
    assert.throws(() => parseAuthPolicies({ policies: [] }), /cannot be empty/);
    assert.throws(() => parseAuthPolicies([]), /\{"policies"/);
  });
});
