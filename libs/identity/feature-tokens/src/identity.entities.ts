import { AccessTokenEntity } from './access-token.entity';
import { MembershipEntity } from './membership.entity';
import { OrganizationEntity } from './organization.entity';
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
];
