import { type DynamicModule, Module } from '@nestjs/common';
import type { KeyProvider } from '@stackyard/secrets-domain';
import { DataSource } from 'typeorm';
import { DataKeyService } from './data-key.service';
import { SecretValuesController } from './secret-values.controller';
import { SecretValuesService } from './secret-values.service';
import { ObjectKeyService } from './object-key.service';
import { KEY_PROVIDER, SECRETS_KEYS_OPTIONS, type SecretsKeysOptions } from './secrets-keys.options';
import { StackDataKeyRepository } from './stack-data-key.repository';
import { ValueCipherPool } from './value-cipher-pool';

/** Per-stack envelope encryption over an initialized, migrated DataSource and a checked KEK. */
@Module({})
export class SecretsKeysModule {
  static register(dataSource: DataSource, provider: KeyProvider, options: SecretsKeysOptions): DynamicModule {
    return {
      module: SecretsKeysModule,
      controllers: [SecretValuesController],
      providers: [
        { provide: DataSource, useValue: dataSource },
        { provide: KEY_PROVIDER, useValue: provider },
        { provide: SECRETS_KEYS_OPTIONS, useValue: options },
        StackDataKeyRepository,
        DataKeyService,
        SecretValuesService,
        ValueCipherPool,
        ObjectKeyService,
      ],
    };
  }
}
