import { mappedTeams } from '@stackyard/identity-domain';
import type { SamlIdentity } from '@stackyard/identity-saml';
import type { SamlTeamMapping, SamlTestFailureKind, SamlTestReport } from '@stackyard/shared-contracts';
import { samlPerson, SamlPersonError, type SamlAttributeSettings } from './saml-person';

/** The configuration a test sign-in reads the assertion with. */
export interface SamlTestSettings extends SamlAttributeSettings {
  teamMappings: SamlTeamMapping[];
}

/** A report that starts empty: what is known before the IdP's answer is read. */
export function emptyTestReport(organization: string, settings: SamlAttributeSettings, testedAt: number): SamlTestReport {
  return {
    organization,
    succeeded: false,
    groupsAttribute: settings.groupsAttribute,
    usernameAttribute: settings.usernameAttribute,
    groups: [],
    teams: [],
    attributeNames: [],
    testedAt,
  };
}

export function failedTestReport(base: SamlTestReport, kind: SamlTestFailureKind, message: string): SamlTestReport {
  return { ...base, succeeded: false, failure: { kind, message } };
}

/**
 * What a validated assertion would make of the person, without making it: the NameID, the username
 * the configuration takes, the groups and the teams they map to. It fails — as the sign-in would,
 * or where the sign-in would silently give no teams — when the username attribute or the groups
 * attribute is missing, so an admin sees the misconfiguration before enabling single sign-on.
 */
export function assertionTestReport(base: SamlTestReport, asserted: Pick<SamlIdentity, 'nameId' | 'nameIdFormat' | 'attributes'>, settings: SamlTestSettings): SamlTestReport {
  const report: SamlTestReport = {
    ...base,
    nameId: asserted.nameId,
    nameIdFormat: asserted.nameIdFormat,
    attributeNames: Object.keys(asserted.attributes).sort(),
  };
  if (settings.usernameAttribute !== null && !(settings.usernameAttribute in asserted.attributes)) {
    return failedTestReport(report, 'missing-username-attribute', `the assertion has no '${settings.usernameAttribute}' attribute, which is configured to name the user; the IdP sent ${attributeList(report.attributeNames)}`);
  }
  let person;
  try {
    person = samlPerson(asserted, settings);
  } catch (error) {
    if (!(error instanceof SamlPersonError)) throw error;
    return failedTestReport(report, 'unusable-identity', error.message);
  }
  report.username = person.username;
  report.displayName = person.displayName;
  report.email = person.email;
  report.groups = person.groups.map((g) => g.name);
  report.teams = mappedTeams(person.groups, settings.teamMappings);
  if (!(settings.groupsAttribute in asserted.attributes)) {
    return failedTestReport(report, 'missing-groups-attribute', `the assertion has no '${settings.groupsAttribute}' attribute, which is configured to hold the user's groups, so no team would be given; the IdP sent ${attributeList(report.attributeNames)}`);
  }
  return { ...report, succeeded: true };
}

function attributeList(names: string[]): string {
  if (names.length === 0) return 'no attributes';
  const shown = names.slice(0, 20).map((n) => `'${n.slice(0, 100)}'`);
  return `${shown.join(', ')}${names.length > shown.length ? ` and ${names.length - shown.length} more` : ''}`;
}
