import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';
import { columnTypes, isMysql } from '@stackyard/shared-db';

/**
 * OAuth sign-in (GitHub Enterprise, GitLab, Bitbucket Data Center): the sign-ins started and not
 * yet answered — the SHA-256 of each `state`, its method and PKCE verifier — shared by every
 * replica (the provider may send the browser back to any of them), used once, swept when expired.
 * Runs on SQLite and MySQL/MariaDB.
 */
export class OAuthSignIn1795970000000 implements MigrationInterface {
  name = 'OAuthSignIn1795970000000';

  async up(runner: QueryRunner): Promise<void> {
    const millis = { type: 'bigint' };
    await runner.createTable(
      new Table({
        name: 'oauth_states',
        columns: [
          // SHA-256 hex of the state: a lookup key of fixed size, and the state itself is never stored.
          { name: 'state_hash', ...(isMysql(runner) ? { type: 'char', length: '64' } : { type: 'varchar', length: '64' }), isPrimary: true },
          // Method ids compare exactly, as in user_identities.provider.
          { name: 'provider', ...columnTypes.name(runner, 64) },
          { name: 'code_verifier', ...columnTypes.name(runner, 128), isNullable: true },
          { name: 'created_at', ...millis },
          { name: 'expires_at', ...millis },
          { name: 'consumed_at', ...millis, isNullable: true },
        ],
      }),
    );
    await runner.createIndex('oauth_states', new TableIndex({ name: 'ix_oauth_states_expires', columnNames: ['expires_at'] }));
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable('oauth_states');
  }
}
