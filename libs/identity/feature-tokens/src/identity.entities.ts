import { AccessTokenEntity } from './access-token.entity';
import { MembershipEntity } from './membership.entity';
import { OrganizationEntity } from './organization.entity';
import { UserEntity } from './user.entity';

/** Every table the identity service maps; the app's DataSource registers exactly these. */
export const IDENTITY_ENTITIES = [UserEntity, OrganizationEntity, MembershipEntity, AccessTokenEntity];
