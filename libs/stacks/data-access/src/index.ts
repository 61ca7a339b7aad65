export * from './stack.entity';
export * from './update.entity';
export * from './update-event.entity';
export * from './stack-version.entity';
export * from './stack.repository';
export * from './update.repository';
export * from './update-event.repository';
export * from './stack-version.repository';
export * from './checkpoint.store';
export * from './checkpoint-baseline.store';
export * from './journal.store';
export * from './stack-objects';
export * from './in-memory-object-keys';

import { StackEntity } from './stack.entity';
import { StackVersionEntity } from './stack-version.entity';
import { UpdateEventEntity } from './update-event.entity';
import { UpdateEntity } from './update.entity';

export const STACKS_ENTITIES = [StackEntity, UpdateEntity, UpdateEventEntity, StackVersionEntity];
