import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertionTestReport, emptyTestReport, failedTestReport } from './saml-test-report';

const EMAIL = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';
const TRANSIENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient';
const settings = { groupsAttribute: 'groups', usernameAttribute: null, teamMappings: [{ group: 'Platform', team: 'platform' }, { group: 'devs', team: 'developers' }] };
const base = emptyTestReport('acme', settings, 1_000);
const dana = { nameId: 'dana@acme.test', nameIdFormat: EMAIL, attributes: { uid: ['dana'], mail: ['dana@acme.test'], displayName: ['Dana Example'], groups: ['platform', 'on-call'] } };

void describe('assertionTestReport', () => {
  void it('reports the NameID, username, profile, groups and the teams they map to', () => {
    assert.deepEqual(assertionTestReport(base, dana, settings), {
      organization: 'acme',
      succeeded: true,
      groupsAttribute: 'groups',
      usernameAttribute: null,
      nameId: 'dana@acme.test',
      nameIdFormat: EMAIL,
      username: 'dana@acme.test',
      displayName: 'Dana Example',
      email: 'dana@acme.test',
      groups: ['platform', 'on-call'],
      teams: ['platform'],
      attributeNames: ['displayName', 'groups', 'mail', 'uid'],
      testedAt: 1_000,
    });
  });

  void it('takes the username from the configured attribute', () => {
    const report = assertionTestReport(base, dana, { ...settings, usernameAttribute: 'uid' });
    assert.equal(report.succeeded, true);
    assert.equal(report.username, 'dana');
  });

  void it('fails with the attribute names sent when the username attribute is missing', () => {
    const report = assertionTestReport(base, dana, { ...settings, usernameAttribute: 'sAMAccountName' });
    assert.deepEqual(report.failure?.kind, 'missing-username-attribute');
    assert.match(report.failure?.message ?? '', /no 'sAMAccountName' attribute.*'displayName', 'groups', 'mail', 'uid'/);
    assert.equal(report.username, undefined);
  });

  void it('fails when the groups attribute is missing, still showing who was asserted', () => {
    const report = assertionTestReport(base, dana, { ...settings, groupsAttribute: 'memberOf' });
    assert.equal(report.succeeded, false);
    assert.equal(report.failure?.kind, 'missing-groups-attribute');
    assert.match(report.failure?.message ?? '', /no 'memberOf' attribute/);
    assert.equal(report.username, 'dana@acme.test');
    assert.deepEqual([report.groups, report.teams], [[], []]);
  });

  void it('fails as the sign-in would for a transient NameID', () => {
    const report = assertionTestReport(base, { ...dana, nameIdFormat: TRANSIENT }, settings);
    assert.equal(report.failure?.kind, 'unusable-identity');
    assert.match(report.failure?.message ?? '', /transient/);
  });

  void it('an empty assertion names no attributes', () => {
    const report = assertionTestReport(base, { nameId: 'x@acme.test', nameIdFormat: EMAIL, attributes: {} }, settings);
    assert.match(report.failure?.message ?? '', /the IdP sent no attributes/);
  });
});

void describe('failedTestReport', () => {
  void it('keeps what is known and adds the reason', () => {
    assert.deepEqual(failedTestReport(base, 'bad-signature', 'the signature does not verify'), { ...base, succeeded: false, failure: { kind: 'bad-signature', message: 'the signature does not verify' } });
  });
});
