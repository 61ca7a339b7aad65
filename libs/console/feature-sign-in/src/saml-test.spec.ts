import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SamlTestReport } from '@stackyard/shared-contracts';
import { SAML_STATE_COOKIE } from './cookies';
import { decodeSamlState, encodeSamlState } from './saml-state';
import { samlTestReportPageBody, samlTestStateCookie } from './saml-test';

const report: SamlTestReport = {
  organization: 'acme',
  succeeded: true,
  nameId: 'dana@acme.test',
  username: 'dana<script>',
  groupsAttribute: 'groups',
  usernameAttribute: null,
  groups: ['platform-engineers'],
  teams: ['platform'],
  attributeNames: ['groups'],
  testedAt: 0,
};

void describe('SAML test sign-in on the console', () => {
  void it('marks the state cookie as a test of the admin, leading back to the SSO settings', () => {
    const cookie = samlTestStateCookie('acme', { redirectUrl: 'https://idp.test/sso', requestId: '_abc', expiresAt: 10_000 + 900_000, login: 'alice' }, 10_000);
    assert.match(cookie, new RegExp(`^${SAML_STATE_COOKIE}=[^;]+; Max-Age=900; Path=/; Secure; HttpOnly; SameSite=None$`));
    const value = cookie.slice(SAML_STATE_COOKIE.length + 1, cookie.indexOf(';'));
    assert.deepEqual(decodeSamlState(value), { organization: 'acme', requestId: '_abc', next: '/console/orgs/acme/sso', testLogin: 'alice' });
  });

  void it('reads sign-in cookies without the marker as sign-ins, and refuses a marker that is no login', () => {
    assert.equal(decodeSamlState(encodeSamlState({ organization: 'acme', requestId: '_abc', next: '/console/' }))?.testLogin, undefined);
    const forged = Buffer.from(JSON.stringify({ o: 'acme', r: '_abc', t: 'not a login', n: '/console/' }), 'utf8').toString('base64url');
    assert.equal(decodeSamlState(forged), undefined);
  });

  void it('renders the report escaped, with the user, groups and teams', () => {
    const html = samlTestReportPageBody(report);
    assert.match(html, /<h1>Test sign-in succeeded<\/h1>/);
    assert.match(html, /dana&lt;script&gt;/);
    assert.doesNotMatch(html, /<script>/);
    assert.match(html, /id="sso-test-teams"><code>platform<\/code>/);
    assert.match(html, /href="\/console\/orgs\/acme\/sso"/);
  });

  void it('renders a failure with its kind and message', () => {
    const html = samlTestReportPageBody({ ...report, succeeded: false, failure: { kind: 'missing-groups-attribute', message: "the assertion has no 'memberOf' attribute" } });
    assert.match(html, /data-kind="missing-groups-attribute"/);
    assert.match(html, /The groups attribute is missing/);
    assert.match(html, /no &#39;memberOf&#39; attribute|no &#x27;memberOf&#x27; attribute|no 'memberOf' attribute/);
  });
});
