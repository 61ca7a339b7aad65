import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeRole, levelOfScopes, parseRoleDescriptor, parseSimpleRole, RoleDefinitionError, roleScopeCatalogue, stackyardScope } from './role-definition';

const problems = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof RoleDefinitionError, String(error));
    return error.message;
  }
  assert.fail('expected a RoleDefinitionError');
};

// The shapes the provider builds (pulumi-pulumiservice provider/pkg/functions/role_permissions.go:
// buildAllowPermissions → a flat Allow; buildStackScopedPermissions → a Condition "stack equals
// <stackId>" over an Allow), each node `__type`-discriminated as in provider/pkg/apitype.
const allow = (permissions: string[]) => ({ __type: 'PermissionDescriptorAllow', permissions });
const onStack = (identity: string, permissions: string[]) => ({
  __type: 'PermissionDescriptorCondition',
  condition: { __type: 'PermissionExpressionEqual', left: { __type: 'PermissionExpressionStack' }, right: { __type: 'PermissionLiteralExpressionStack', identity } },
  subNode: allow(permissions),
});
const onTag = (key: string, value: string, permissions: string[]) => ({
  __type: 'PermissionDescriptorCondition',
  condition: {
    __type: 'PermissionExpressionEqual',
    left: { __type: 'PermissionExpressionTag', context: { __type: 'PermissionExpressionStack' }, key },
    right: { __type: 'PermissionLiteralExpressionString', value },
  },
  subNode: allow(permissions),
});

void describe('custom role definitions', () => {
  void it('maps a global Allow of Pulumi scopes to Stackyard scopes', () => {
    assert.deepEqual(parseRoleDescriptor(allow(['stack:read', 'stack:export', 'audit_logs:read', 'org_token:create', 'stack:create'])), {
      scopes: ['stack:read', 'audit_log:read', 'token:manage', 'stack:create'],
      stackRules: [],
    });
  });

  void it('maps stack-scoped conditions (by id through the api, or project/stack) and tag conditions to rules with the level the scopes fill', () => {
    const parsed = parseRoleDescriptor(
      { __type: 'PermissionDescriptorGroup', entries: [allow(['organization:update']), onStack('5f0c-id', ['stack:read', 'stack:write']), onStack('web/dev', ['stack:read']), onTag('env', 'prod', ['stack:read', 'stack:write', 'stack:delete', 'stack:rename', 'stack:transfer', 'stack_access:update'])] },
      (id) => (id === '5f0c-id' ? { project: 'web', stack: 'prod' } : undefined),
    );
    assert.deepEqual(parsed, {
      scopes: ['organization:settings'],
      stackRules: [
        { target: { kind: 'stack', project: 'web', stack: 'prod' }, permission: 102 },
        { target: { kind: 'stack', project: 'web', stack: 'dev' }, permission: 101 },
        { target: { kind: 'tag', key: 'env', value: 'prod' }, permission: 103 },
      ],
    });
  });

  void it('refuses what it cannot enforce faithfully, naming every problem', () => {
    const message = problems(() =>
      parseRoleDescriptor({
        __type: 'PermissionDescriptorGroup',
        entries: [allow(['environment:read']), { __type: 'PermissionDescriptorCompose', permissionDescriptors: ['x'] }, onStack('unknown-id', ['stack:read']), onStack('web/prod', ['stack:delete']), onStack('web/prod', ['team:create'])],
      }),
    );
    assert.match(message, /scope 'environment:read' has no equivalent/);
    assert.match(message, /PermissionDescriptorCompose' is not supported/);
    assert.match(message, /stack 'unknown-id' is not a stack of this organization/);
    assert.match(message, /must include at least stack:read/);
    assert.match(message, /may grant stack scopes only/);
    assert.match(problems(() => parseRoleDescriptor('nope')), /descriptor type/);
  });

  void it('reads the simple form and describes it back as a descriptor tree that parses to the same role', () => {
    const role = parseSimpleRole({ scopes: ['audit_log:read', 'stack:read'], stackRules: [{ target: { kind: 'tag', key: 'team', value: 'web' }, permission: 102 }, { target: { kind: 'stack', project: 'p', stack: 's' }, permission: 103 }] });
    assert.deepEqual(role.scopes, ['audit_log:read', 'stack:read']);
    assert.deepEqual(parseRoleDescriptor(describeRole(role)), role);
    assert.match(problems(() => parseSimpleRole({ scopes: ['nope:x'], stackRules: [{ target: { kind: 'stack' }, permission: 104 }] })), /nope:x.*stackRules\[0\]\.target.*permission must be/);
  });

  void it('knows the level a set of stack scopes fills, and lists its scopes', () => {
    assert.equal(levelOfScopes(['stack:read']), 101);
    assert.equal(levelOfScopes(['stack:update']), null);
    assert.equal(stackyardScope('stack_tags:update'), 'stack:update');
    assert.equal(stackyardScope('environment:open'), null);
    const catalogue = roleScopeCatalogue();
    assert.deepEqual(
      catalogue['stack']?.[0]?.scopes.map((s) => s.name),
      ['stack:read', 'stack:update', 'stack:delete', 'stack:rename', 'stack:transfer', 'stack:access'],
    );
    assert.ok(catalogue['organization']?.[0]?.scopes.every((s) => s.metadata.description.length > 0));
  });
});
