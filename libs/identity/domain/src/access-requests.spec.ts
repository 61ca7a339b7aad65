import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_ORGANIZATION_ACCESS_SETTINGS } from '@stackyard/shared-contracts';
import { AccessRequestError, applySettingsUpdate, parseAddMember, parseCreateTeam, parseTeamUpdate, parseUpdateMember } from './access-requests';

const refused = (fn: () => unknown, pattern: RegExp) => assert.throws(fn, (error: unknown) => error instanceof AccessRequestError && pattern.test(error.message));

void describe('organization, member and team requests (the provider’s shapes)', () => {
  void it('applies Pulumi’s organization update fields and refuses the rest', () => {
    const { settings, changed } = applySettingsUpdate(DEFAULT_ORGANIZATION_ACCESS_SETTINGS, { setDefaultStackPermission: 0, setMembersCanCreateTeams: true, setMembersCanCreateStacks: true });
    assert.deepEqual(settings, { ...DEFAULT_ORGANIZATION_ACCESS_SETTINGS, defaultStackPermission: 0, membersCanCreateTeams: true });
    assert.deepEqual(changed, ['defaultStackPermission', 'membersCanCreateTeams']);
    refused(() => applySettingsUpdate(DEFAULT_ORGANIZATION_ACCESS_SETTINGS, { setDefaultStackPermission: 104 }), /setDefaultStackPermission must be/);
    refused(() => applySettingsUpdate(DEFAULT_ORGANIZATION_ACCESS_SETTINGS, { setDefaultEnvironmentPermission: 'read' }), /not supported by Stackyard: setDefaultEnvironmentPermission/);
  });

  void it('reads member requests (members.go: addMemberToOrgReq, updateMemberRoleReq)', () => {
    assert.equal(parseAddMember({ role: 'admin' }), 'admin');
    assert.equal(parseAddMember(undefined), 'member');
    refused(() => parseAddMember({ role: 'billing-manager' }), /billing-manager is not supported/);
    assert.deepEqual(parseUpdateMember({ fgaRoleId: 'r1' }), { roleId: 'r1' });
    assert.deepEqual(parseUpdateMember({ role: 'member' }), { role: 'member' });
    refused(() => parseUpdateMember({}), /one of role or fgaRoleId/);
  });

  void it('reads team requests (teams.go: createTeamRequest and the one-operation PATCH bodies)', () => {
    assert.deepEqual(parseCreateTeam({ organization: 'acme', teamType: 'pulumi', name: 'platform', displayName: 'Platform', description: 'Runs it' }, 'acme'), { name: 'platform', displayName: 'Platform', description: 'Runs it' });
    refused(() => parseCreateTeam({ organization: 'other', name: '-bad' }, 'acme'), /name must be.*organization/);
    assert.deepEqual(parseTeamUpdate({ newDisplayName: 'P', newDescription: '' }), { kind: 'details', displayName: 'P', description: '' });
    assert.deepEqual(parseTeamUpdate({ memberAction: 'add', member: 'bob' }), { kind: 'member', action: 'add', member: 'bob' });
    assert.deepEqual(parseTeamUpdate({ addStackPermission: { projectName: 'web', stackName: 'prod', permission: 102 } }), { kind: 'add-stack', stack: { projectName: 'web', stackName: 'prod' }, permission: 102 });
    assert.deepEqual(parseTeamUpdate({ removeStack: { projectName: 'web', stackName: 'prod' } }), { kind: 'remove-stack', stack: { projectName: 'web', stackName: 'prod' } });
    refused(() => parseTeamUpdate({ memberAction: 'add', member: 'bob', removeStack: { projectName: 'a', stackName: 'b' } }), /one operation per call/);
    refused(() => parseTeamUpdate({ addEnvironmentPermission: { envName: 'e', projectName: 'p', permission: 'read' } }), /no environments/);
    refused(() => parseTeamUpdate({ editStackPermission: { projectName: 'web', stackName: 'prod', permission: 0 } }), /permission must be 101/);
  });
});
