import type { SamlTestReport, SamlTestStartResponse } from '@stackyard/shared-contracts';
import { samlStateCookie } from './cookies';
import { escapeHtml } from './pages';
import { encodeSamlState } from './saml-state';

/** The state cookie lives at least this long, whatever identity says (clocks differ a little). */
const MIN_STATE_SECONDS = 60;

/** Where the report page leads back to: the organization's single sign-on settings. */
export function ssoSettingsPath(organization: string): string {
  return `/console/orgs/${encodeURIComponent(organization)}/sso`;
}

/**
 * The SAML state cookie of an admin's test sign-in: the AuthnRequest ID and the admin's login, so
 * the console's ACS relays the IdP's answer as a test. The admin's session cookie is not touched.
 */
export function samlTestStateCookie(organization: string, started: SamlTestStartResponse, now: number): string {
  const maxAge = Math.max(MIN_STATE_SECONDS, Math.ceil((started.expiresAt - now) / 1000));
  return samlStateCookie(encodeSamlState({ organization, requestId: started.requestId, next: ssoSettingsPath(organization), testLogin: started.login }), maxAge);
}

const FAILURE_TITLES: Record<NonNullable<SamlTestReport['failure']>['kind'], string> = {
  unsigned: 'The assertion is not signed',
  'bad-signature': 'The signature does not verify against the IdP metadata',
  'wrong-audience': 'The assertion is for another service provider (audience)',
  'wrong-recipient': 'The response is for another ACS URL (recipient or destination)',
  'wrong-issuer': 'The response comes from another IdP (issuer)',
  expired: 'The assertion has expired (check the clocks)',
  'not-yet-valid': 'The assertion is not valid yet (check the clocks)',
  replayed: 'The assertion was already used',
  'unknown-request': 'The response answers no test started here',
  'idp-status': 'The identity provider did not sign the person in',
  malformed: 'The response could not be read',
  'not-configured': 'Single sign-on is not configured',
  'unusable-identity': 'The asserted identity cannot become a user',
  'missing-username-attribute': 'The username attribute is missing',
  'missing-groups-attribute': 'The groups attribute is missing',
};

function row(term: string, value: string, id: string): string {
  return `<dt>${escapeHtml(term)}</dt><dd id="${id}">${value}</dd>`;
}

function list(values: string[], empty: string): string {
  return values.length === 0 ? `<span>${escapeHtml(empty)}</span>` : values.map((v) => `<code>${escapeHtml(v)}</code>`).join(', ');
}

/** The page the console's ACS shows for a test: what the IdP asserted, or exactly why it fails. Nobody was signed in. */
export function samlTestReportPageBody(report: SamlTestReport): string {
  const heading = report.succeeded ? 'Test sign-in succeeded' : 'Test sign-in failed';
  const failure = report.failure
    ? `<div role="alert" id="sso-test-failure" data-kind="${escapeHtml(report.failure.kind)}"><p><strong>${escapeHtml(FAILURE_TITLES[report.failure.kind])}</strong></p><p>${escapeHtml(report.failure.message)}</p></div>`
    : '';
  const facts = [
    report.nameId !== undefined ? row('NameID', `<code>${escapeHtml(report.nameId)}</code>${report.nameIdFormat ? ` <small>${escapeHtml(report.nameIdFormat)}</small>` : ''}`, 'sso-test-nameid') : '',
    report.username !== undefined ? row('Username', `<code>${escapeHtml(report.username)}</code>`, 'sso-test-username') : '',
    report.displayName ? row('Name', escapeHtml(report.displayName), 'sso-test-name') : '',
    report.email ? row('E-mail', escapeHtml(report.email), 'sso-test-email') : '',
    row(`Groups (attribute '${report.groupsAttribute}')`, list(report.groups, 'none'), 'sso-test-groups'),
    row('Teams they map to', list(report.teams, 'none'), 'sso-test-teams'),
    report.nameId !== undefined ? row('Attributes sent', list(report.attributeNames, 'none'), 'sso-test-attributes') : '',
  ].join('');
  return [
    `<h1>${escapeHtml(heading)}</h1>`,
    `<p>A test of the single sign-on of <strong>${escapeHtml(report.organization)}</strong>: nobody was signed in, no user was created and no team changed. You are still signed in as before.</p>`,
    failure,
    `<dl class="facts" id="sso-test-report" data-succeeded="${String(report.succeeded)}">${facts}</dl>`,
    `<p><a href="${escapeHtml(ssoSettingsPath(report.organization))}">Back to the single sign-on settings</a></p>`,
  ].join('\n');
}
