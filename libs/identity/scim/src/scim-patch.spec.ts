import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ScimError } from './scim-error';
import { applyPatch, parsePatchRequest } from './scim-patch';
import { groupAttributesFrom, userAttributesFrom, userResource } from './scim-resources';
import { GROUP_DEFINITION, PATCH_OP_SCHEMA, USER_DEFINITION } from './scim-schemas';

const user = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  userName: 'alice@example.com',
  name: { givenName: 'Alice', familyName: 'Jensen' },
  displayName: 'Alice Jensen',
  emails: [{ value: 'alice@example.com', type: 'work', primary: true }],
  active: true,
};

const patch = (resource: Record<string, unknown>, operations: unknown[], definition = USER_DEFINITION) =>
  applyPatch(resource, parsePatchRequest({ schemas: [PATCH_OP_SCHEMA], Operations: operations }), definition);

function refuses(action: () => unknown, scimType: string, pattern: RegExp): void {
  assert.throws(action, (error: unknown) => error instanceof ScimError && error.status === 400 && error.scimType === scimType && pattern.test(error.detail));
}

void describe('SCIM PATCH', () => {
  void it('deactivates the Okta way: replace with a path', () => {
    assert.equal(patch(user, [{ op: 'replace', path: 'active', value: false }])['active'], false);
  });

  void it('deactivates the Entra ID way: "Replace", no path, and the boolean as a string', () => {
    const patched = patch(user, [{ op: 'Replace', value: { active: 'False' } }]);
    assert.equal(patched['active'], 'False', 'the patch engine keeps the value; the resource rules read it');
    assert.equal(userAttributesFrom(patched).active, false);
  });

  void it('replaces name parts by dotted keys or sub-attribute paths, keeping the others', () => {
    assert.deepEqual(patch(user, [{ op: 'Replace', value: { 'name.givenName': 'Ally', displayName: 'Ally J' } }])['name'], { givenName: 'Ally', familyName: 'Jensen' });
    assert.deepEqual(patch(user, [{ op: 'replace', path: 'name.familyName', value: 'Smith' }])['name'], { givenName: 'Alice', familyName: 'Smith' });
    assert.deepEqual(patch(user, [{ op: 'replace', path: 'name', value: { formatted: 'Dr. Alice' } }])['name'], { givenName: 'Alice', familyName: 'Jensen', formatted: 'Dr. Alice' });
    assert.deepEqual(patch(user, [{ op: 'replace', value: { 'urn:ietf:params:scim:schemas:core:2.0:User:displayName': 'A' } }])['displayName'], 'A');
  });

  void it('adds, replaces and removes values of a multi-valued attribute by value filter', () => {
    const withHome = patch(user, [{ op: 'add', path: 'emails', value: [{ value: 'a@home.example', type: 'home' }] }]);
    assert.equal((withHome['emails'] as unknown[]).length, 2);
    assert.deepEqual(patch(withHome, [{ op: 'add', path: 'emails', value: [{ value: 'a@home.example', type: 'home' }] }])['emails'], withHome['emails'], 'adding an existing value changes nothing');
    const replaced = patch(withHome, [{ op: 'replace', path: 'emails[type eq "work"].value', value: 'alice@new.example' }]);
    assert.deepEqual(replaced['emails'], [
      { value: 'alice@new.example', type: 'work', primary: true },
      { value: 'a@home.example', type: 'home' },
    ]);
    assert.deepEqual(patch(withHome, [{ op: 'remove', path: 'emails[type eq "home"]' }])['emails'], user.emails);
    assert.equal(patch(user, [{ op: 'remove', path: 'emails[type eq "work"]' }])['emails'], undefined, 'no values left: unassigned');
  });

  void it('creates the value an Entra ID value-filter path describes when none matches', () => {
    const noEmail = { ...user, emails: undefined };
    assert.deepEqual(patch(noEmail, [{ op: 'Add', path: 'emails[type eq "work"].value', value: 'a@x.example' }])['emails'], [{ type: 'work', value: 'a@x.example' }]);
    refuses(() => patch(noEmail, [{ op: 'replace', path: 'emails[value co "x"].type', value: 'home' }]), 'noTarget', /no value of 'emails' matches/);
  });

  void it('adds and removes group members in both the RFC and the Entra ID styles', () => {
    const group = { displayName: 'Platform', members: [{ value: 'u1' }] };
    const added = patch(group, [{ op: 'add', path: 'members', value: [{ value: 'u2' }, { value: 'u1' }] }], GROUP_DEFINITION);
    assert.deepEqual(groupAttributesFrom(added).members, ['u1', 'u2']);
    assert.deepEqual(groupAttributesFrom(patch(added, [{ op: 'remove', path: 'members[value eq "u1"]' }], GROUP_DEFINITION)).members, ['u2']);
    assert.deepEqual(groupAttributesFrom(patch(added, [{ op: 'Remove', path: 'members', value: [{ value: 'u2' }] }], GROUP_DEFINITION)).members, ['u1']);
    assert.deepEqual(groupAttributesFrom(patch(added, [{ op: 'remove', path: 'members' }], GROUP_DEFINITION)).members, []);
    assert.deepEqual(groupAttributesFrom(patch(added, [{ op: 'remove', path: 'members[value eq "gone"]' }], GROUP_DEFINITION)).members, ['u1', 'u2'], 'removing an absent member is not an error');
    assert.deepEqual(groupAttributesFrom(patch(group, [{ op: 'replace', path: 'members', value: [{ value: 'u3' }] }], GROUP_DEFINITION)).members, ['u3']);
  });

  void it('removes attributes and sub-attributes; null unassigns too', () => {
    assert.equal(patch(user, [{ op: 'remove', path: 'displayName' }])['displayName'], undefined);
    assert.deepEqual(patch(user, [{ op: 'remove', path: 'name.givenName' }])['name'], { familyName: 'Jensen' });
    assert.equal(patch(user, [{ op: 'replace', path: 'displayName', value: null }])['displayName'], undefined);
    assert.equal(userAttributesFrom(patch(user, [{ op: 'remove', path: 'active' }])).active, null);
  });

  void it('ignores attributes Stackyard does not keep when they come without a path, refuses them with one', () => {
    assert.deepEqual(patch(user, [{ op: 'replace', value: { title: 'CTO', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department': 'R&D', id: 'x' } }]), user);
    refuses(() => patch(user, [{ op: 'replace', path: 'title', value: 'CTO' }]), 'invalidPath', /'title' is not an attribute of User/);
    refuses(() => patch(user, [{ op: 'add', path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department', value: 'R&D' }]), 'invalidPath', /not an attribute/);
    refuses(() => patch(user, [{ op: 'replace', path: 'id', value: 'x' }]), 'mutability', /read-only/);
    refuses(() => patch(user, [{ op: 'replace', path: 'displayName[value eq "x"]', value: 'y' }]), 'invalidPath', /not a multi-valued complex attribute/);
  });

  void it('refuses malformed PatchOp bodies with invalidSyntax / noTarget / invalidValue', () => {
    refuses(() => parsePatchRequest([]), 'invalidSyntax', /PatchOp JSON object/);
    refuses(() => parsePatchRequest({ Operations: [{ op: 'add', path: 'a', value: 1 }] }), 'invalidSyntax', /schemas must contain/);
    refuses(() => parsePatchRequest({ schemas: [PATCH_OP_SCHEMA], Operations: [] }), 'invalidSyntax', /non-empty array/);
    refuses(() => parsePatchRequest({ schemas: [PATCH_OP_SCHEMA], Operations: [{ op: 'move', path: 'a' }] }), 'invalidSyntax', /op must be add, replace or remove/);
    refuses(() => parsePatchRequest({ schemas: [PATCH_OP_SCHEMA], Operations: [{ op: 'remove' }] }), 'noTarget', /needs a path/);
    refuses(() => parsePatchRequest({ schemas: [PATCH_OP_SCHEMA], Operations: [{ op: 'add', path: 'displayName' }] }), 'invalidValue', /needs a value/);
    refuses(() => patch(user, [{ op: 'replace', value: 'not an object' }]), 'invalidValue', /without a path needs an object value/);
  });

  void it('leaves the input untouched and round-trips through the resource rules', () => {
    const resource = userResource(userAttributesFrom(user));
    const before = structuredClone(resource);
    patch(resource, [{ op: 'replace', path: 'active', value: false }]);
    assert.deepEqual(resource, before);
    assert.deepEqual(userResource(userAttributesFrom(patch(resource, [{ op: 'add', path: 'externalId', value: 'e-1' }]))), { ...resource, externalId: 'e-1' });
  });
});
