import { type MigrationInterface, type QueryRunner, Table, TableColumn, TableForeignKey, TableIndex } from 'typeorm';
import { columnTypes, isMysql } from '@stackyard/shared-db';

/**
 * Role-based access control (RBAC): each organization's member settings, custom roles (held by a
 * member, assigned to teams, carried by organization tokens), team details and team admins, and
 * stack grants by name — teams' stack permissions and per-user grants ("collaborators"). Stack
 * names are the api's; identity keeps them as strings and the api tells it when they move.
 * Runs on SQLite and MySQL/MariaDB.
 */
export class AccessControl1796020000000 implements MigrationInterface {
  name = 'AccessControl1796020000000';

  async up(runner: QueryRunner): Promise<void> {
    const id = { type: 'varchar', length: '36' };
    const millis = { type: 'bigint' };
    const text = (length: number) => (isMysql(runner) ? { type: 'varchar', length: String(length), charset: 'utf8mb4' } : { type: 'varchar', length: String(length) });
    const json = { type: columnTypes.longText(runner), ...columnTypes.utf8(runner) };
    const org = (table: string) => ({ name: `fk_${table}_org`, columnNames: ['org_id'], referencedTableName: 'organizations', referencedColumnNames: ['id'], onDelete: 'CASCADE' });
    const team = (table: string) => ({ name: `fk_${table}_team`, columnNames: ['team_id'], referencedTableName: 'teams', referencedColumnNames: ['id'], onDelete: 'CASCADE' });
    const user = (table: string) => ({ name: `fk_${table}_user`, columnNames: ['user_id'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'CASCADE' });

    // No row: the defaults (DEFAULT_ORGANIZATION_ACCESS_SETTINGS), so existing organizations need none.
    await runner.createTable(
      new Table({
        name: 'organization_access_settings',
        columns: [
          { name: 'org_id', ...id, isPrimary: true },
          { name: 'default_stack_permission', type: 'integer' },
          { name: 'members_can_create_stacks', type: 'boolean' },
          { name: 'members_can_delete_stacks', type: 'boolean' },
          { name: 'members_can_transfer_stacks', type: 'boolean' },
          { name: 'members_can_create_teams', type: 'boolean' },
          { name: 'modified_at', ...millis },
        ],
        foreignKeys: [org('organization_access_settings')],
      }),
    );
    await runner.createTable(
      new Table({
        name: 'custom_roles',
        columns: [
          { name: 'id', ...id, isPrimary: true },
          { name: 'org_id', ...id },
          { name: 'name', ...columnTypes.name(runner, 100) },
          { name: 'description', ...text(1024), default: "''" },
          { name: 'scopes', ...json },
          { name: 'stack_rules', ...json },
          // Pulumi's descriptor tree as the caller sent it (answered back unchanged), null for the simple form.
          { name: 'details', ...json, isNullable: true },
          { name: 'version', type: 'integer' },
          { name: 'created_at', ...millis },
          { name: 'modified_at', ...millis },
        ],
        uniques: [{ name: 'uq_custom_roles_org_name', columnNames: ['org_id', 'name'] }],
        foreignKeys: [org('custom_roles')],
      }),
    );
    // One custom role per member (Pulumi's fgaRoleId) and per organization token; deleting a role
    // (only when forced while in use) returns them to the built-in role.
    const roleColumn = new TableColumn({ name: 'role_id', ...id, isNullable: true });
    const roleKey = (table: string) => new TableForeignKey({ name: `fk_${table}_role`, columnNames: ['role_id'], referencedTableName: 'custom_roles', referencedColumnNames: ['id'], onDelete: 'SET NULL' });
    await runner.addColumn('memberships', roleColumn.clone());
    await runner.createForeignKey('memberships', roleKey('memberships'));
    await runner.addColumn('access_tokens', roleColumn.clone());
    await runner.createForeignKey('access_tokens', roleKey('access_tokens'));
    await runner.createIndex('memberships', new TableIndex({ name: 'ix_memberships_role', columnNames: ['role_id'] }));
    await runner.createIndex('access_tokens', new TableIndex({ name: 'ix_access_tokens_role', columnNames: ['role_id'] }));

    await runner.addColumns('teams', [
      new TableColumn({ name: 'display_name', ...text(255), default: "''" }),
      new TableColumn({ name: 'description', ...text(1024), default: "''" }),
      // `pulumi` for teams made through the REST API or group mappings; SCIM groups are `scim`.
      new TableColumn({ name: 'kind', ...columnTypes.name(runner, 16), default: "'pulumi'" }),
    ]);
    await runner.query("UPDATE teams SET kind = 'scim' WHERE id IN (SELECT team_id FROM scim_groups)");
    await runner.createTable(
      new Table({
        name: 'team_admins',
        columns: [
          { name: 'team_id', ...id, isPrimary: true },
          { name: 'user_id', ...id, isPrimary: true },
          { name: 'created_at', ...millis },
        ],
        foreignKeys: [team('team_admins'), user('team_admins')],
      }),
    );
    await runner.createIndex('team_admins', new TableIndex({ name: 'ix_team_admins_user', columnNames: ['user_id'] }));
    await runner.createTable(
      new Table({
        name: 'team_roles',
        columns: [
          { name: 'team_id', ...id, isPrimary: true },
          { name: 'role_id', ...id, isPrimary: true },
          { name: 'created_at', ...millis },
        ],
        foreignKeys: [team('team_roles'), { name: 'fk_team_roles_role', columnNames: ['role_id'], referencedTableName: 'custom_roles', referencedColumnNames: ['id'], onDelete: 'CASCADE' }],
      }),
    );
    await runner.createIndex('team_roles', new TableIndex({ name: 'ix_team_roles_role', columnNames: ['role_id'] }));
    await runner.createTable(
      new Table({
        name: 'team_stack_grants',
        columns: [
          { name: 'team_id', ...id, isPrimary: true },
          { name: 'project', ...columnTypes.name(runner, 100), isPrimary: true },
          { name: 'stack', ...columnTypes.name(runner, 100), isPrimary: true },
          { name: 'org_id', ...id },
          { name: 'permission', type: 'integer' },
          { name: 'created_at', ...millis },
          { name: 'modified_at', ...millis },
        ],
        foreignKeys: [team('team_stack_grants'), org('team_stack_grants')],
      }),
    );
    // A stack's teams, and moving a renamed stack's grants.
    await runner.createIndex('team_stack_grants', new TableIndex({ name: 'ix_team_stack_grants_stack', columnNames: ['org_id', 'project', 'stack'] }));
    await runner.createTable(
      new Table({
        name: 'user_stack_grants',
        columns: [
          { name: 'org_id', ...id, isPrimary: true },
          { name: 'project', ...columnTypes.name(runner, 100), isPrimary: true },
          { name: 'stack', ...columnTypes.name(runner, 100), isPrimary: true },
          { name: 'user_id', ...id, isPrimary: true },
          { name: 'permission', type: 'integer' },
          { name: 'created_at', ...millis },
          { name: 'modified_at', ...millis },
        ],
        foreignKeys: [org('user_stack_grants'), user('user_stack_grants')],
      }),
    );
    await runner.createIndex('user_stack_grants', new TableIndex({ name: 'ix_user_stack_grants_user', columnNames: ['user_id'] }));
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable('user_stack_grants');
    await runner.dropTable('team_stack_grants');
    await runner.dropTable('team_roles');
    await runner.dropTable('team_admins');
    await runner.dropColumn('teams', 'kind');
    await runner.dropColumn('teams', 'description');
    await runner.dropColumn('teams', 'display_name');
    await runner.dropIndex('access_tokens', 'ix_access_tokens_role');
    await runner.dropForeignKey('access_tokens', 'fk_access_tokens_role');
    await runner.dropColumn('access_tokens', 'role_id');
    await runner.dropIndex('memberships', 'ix_memberships_role');
    await runner.dropForeignKey('memberships', 'fk_memberships_role');
    await runner.dropColumn('memberships', 'role_id');
    await runner.dropTable('custom_roles');
    await runner.dropTable('organization_access_settings');
  }
}
