import { Injectable } from '@nestjs/common';
import { IdentityDatabase } from '@stackyard/identity-feature-tokens';

/**
 * Which organizations are SAML-backed, the condition for SCIM (as in Pulumi Cloud): SCIM users are
 * the people the organization's SAML IdP signs in, keyed by their NameID. An organization counts
 * once it has a SAML configuration, enabled or staged, so an admin can provision people before
 * turning single sign-on on.
 */
@Injectable()
export class SamlOrganizations {
  constructor(private readonly database: IdentityDatabase) {}

  async isSamlBacked(orgId: string): Promise<boolean> {
    return (await this.database.repositories.samlConfigurations.find(orgId)) !== null;
  }
}

/** The provider of a SAML organization's identities (`saml:<org>`, as SAML sign-in names it). */
export const samlProvider = (organization: string) => `saml:${organization}`;
/** The team-member source of an organization's SCIM groups. */
export const scimMemberSource = (organization: string) => `scim:${organization}`;
