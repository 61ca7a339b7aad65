import { KekCanaryEntity } from './kek-canary.entity';
import { StackDataKeyEntity } from './stack-data-key.entity';

/** Every table the secrets service maps; the app's DataSource registers exactly these. */
export const SECRETS_ENTITIES = [StackDataKeyEntity, KekCanaryEntity];
