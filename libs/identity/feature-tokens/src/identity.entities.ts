import { AccessTokenEntity } from './access-token.entity';
import { CustomRoleEntity, OrganizationAccessSettingsEntity, TeamAdminEntity, TeamRoleEntity, TeamStackGrantEntity, UserStackGrantEntity } from './access-control.entity';
import { AuditChainHeadEntity, AuditLogEntryEntity } from './audit-log.entity';
import { MembershipEntity } from './membership.entity';
import { OAuthStateEntity } from './oauth-state.entity';
import { OidcAuthPolicyEntity, OidcIssuerEntity } from './oidc-issuer.entity';
import { OrganizationEntity } from './organization.entity';
import { SamlConfigurationEntity } from './saml-configuration.entity';
import { SamlConsumedAssertionEntity, SamlRequestEntity } from './saml-state.entity';
import { ScimGroupEntity } from './scim-group.entity';
import { ScimTokenEntity } from './scim-token.entity';
import { ScimUserEntity } from './scim-user.entity';
import { SessionEntity } from './session.entity';
import { SignInThrottleEntity } from './sign-in-throttle.entity';
import { TeamEntity, TeamMemberEntity } from './team.entity';
import { UserIdentityEntity } from './user-identity.entity';
import { UserEntity } from './user.entity';

/** Every table the identity service maps; the app's DataSource registers exactly these. */
export const IDENTITY_ENTITIES = [
  UserEntity,
  OrganizationEntity,
  MembershipEntity,
  AccessTokenEntity,
  UserIdentityEntity,
  TeamEntity,
  TeamMemberEntity,
  SessionEntity,
  SignInThrottleEntity,
  SamlConfigurationEntity,
  SamlRequestEntity,
  SamlConsumedAssertionEntity,
  ScimTokenEntity,
  ScimUserEntity,
  ScimGroupEntity,
  OAuthStateEntity,
  OidcIssuerEntity,
  OidcAuthPolicyEntity,
  OrganizationAccessSettingsEntity,
  CustomRoleEntity,
  TeamRoleEntity,
  TeamAdminEntity,
  TeamStackGrantEntity,
  UserStackGrantEntity,
  AuditLogEntryEntity,
  AuditChainHeadEntity,
];
