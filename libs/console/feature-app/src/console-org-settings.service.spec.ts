import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '@stackyard/shared-errors';
import { checkedLogin, checkedRoleId, createRoleRequest, newRoleOf, roleChangeOf, ssoChangeOf } from './console-org-settings.service';

function refusedWith(run: () => unknown, message: RegExp): void {
  assert.throws(run, (error: unknown) => error instanceof ApiError && error.status === 400 && message.test(error.message));
}

void describe('console organization settings: what the members and roles pages send', () => {
  void it('takes a role change as a role id only', () => {
    assert.equal(roleChangeOf({ roleId: 'a1b2-c3', role: 'ignored' }), 'a1b2-c3');
    refusedWith(() => roleChangeOf({ role: 'admin' }), /roleId/);
    refusedWith(() => roleChangeOf('admin'), /roleId/);
    refusedWith(() => roleChangeOf({ roleId: '../teams' }), /invalid role id/);
    refusedWith(() => checkedRoleId(''), /invalid role id/);
  });

  void it('checks logins in the path', () => {
    assert.equal(checkedLogin('carol.smith@corp'), 'carol.smith@corp');
    refusedWith(() => checkedLogin('carol/../admin'), /login/);
  });

  void it('builds a custom role that allows the chosen scopes across the organization, sorted and without repeats', () => {
    const role = newRoleOf({ name: 'auditors', description: 'look only', permissions: ['stack:read', 'organization:read', 'stack:read'] });
    assert.deepEqual(role, { name: 'auditors', description: 'look only', permissions: ['organization:read', 'stack:read'] });
    assert.deepEqual(createRoleRequest(role), {
      name: 'auditors',
      description: 'look only',
      resourceType: 'organization',
      uxPurpose: 'role',
      details: { __type: 'PermissionDescriptorAllow', permissions: ['organization:read', 'stack:read'] },
    });
    assert.equal(newRoleOf({ name: 'r', permissions: ['stack:read'] }).description, '');
  });

  void it('refuses a role without a name, without permissions or with something that is no scope name', () => {
    refusedWith(() => newRoleOf(null), /JSON object/);
    refusedWith(() => newRoleOf({ permissions: ['stack:read'] }), /name is required/);
    refusedWith(() => newRoleOf({ name: 'has space', permissions: ['stack:read'] }), /name is required/);
    refusedWith(() => newRoleOf({ name: 'r', permissions: [] }), /at least one permission/);
    refusedWith(() => newRoleOf({ name: 'r', permissions: ['<script>'] }), /scope name/);
    refusedWith(() => newRoleOf({ name: 'r', permissions: 'stack:read' }), /at least one permission/);
    refusedWith(() => newRoleOf({ name: 'r', description: 7, permissions: ['stack:read'] }), /description/);
  });

  void it("passes on the SSO form's fields only, an empty username attribute meaning the NameID", () => {
    assert.deepEqual(
      ssoChangeOf({ idpMetadataXml: '<md:EntityDescriptor/>', groupsAttribute: 'groups', usernameAttribute: '  ', teamMappings: [{ group: 'eng', team: 'platform', extra: 1 }], enabled: false, sessionHash: 'smuggled' }),
      { idpMetadataXml: '<md:EntityDescriptor/>', groupsAttribute: 'groups', usernameAttribute: null, teamMappings: [{ group: 'eng', team: 'platform' }], enabled: false },
    );
    assert.deepEqual(ssoChangeOf({ idpMetadataXml: '<x/>', groupsAttribute: '', usernameAttribute: 'uid' }), { idpMetadataXml: '<x/>', usernameAttribute: 'uid' });
  });

  void it('leaves unchanged metadata out, so identity keeps the stored copy', () => {
    assert.deepEqual(ssoChangeOf({ enabled: true }), { enabled: true });
    assert.deepEqual(ssoChangeOf({ idpMetadataXml: '', groupsAttribute: 'memberOf' }), { groupsAttribute: 'memberOf' });
  });

  void it('refuses an SSO form with blank metadata or with fields of the wrong shape', () => {
    refusedWith(() => ssoChangeOf({ idpMetadataXml: '   ' }), /idpMetadataXml must be the IdP's SAML 2.0 metadata XML/);
    refusedWith(() => ssoChangeOf({ idpMetadataXml: 42 }), /idpMetadataXml must be/);
    refusedWith(() => ssoChangeOf({ idpMetadataXml: 'x'.repeat(1_000_001) }), /at most/);
    refusedWith(() => ssoChangeOf({ idpMetadataXml: '<x/>', teamMappings: { eng: 'platform' } }), /teamMappings/);
    refusedWith(() => ssoChangeOf({ idpMetadataXml: '<x/>', teamMappings: [{ group: 'eng' }] }), /teamMappings\[0\]/);
    refusedWith(() => ssoChangeOf({ idpMetadataXml: '<x/>', enabled: 'yes' }), /enabled/);
    refusedWith(() => ssoChangeOf({ idpMetadataXml: '<x/>', usernameAttribute: 5 }), /usernameAttribute/);
  });
});
