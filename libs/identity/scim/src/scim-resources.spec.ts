import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAttributeList, projectResource } from './scim-attributes';
import { ScimError } from './scim-error';
import { baseTeamName, parseGroupBody, parseUserBody, renderGroup, renderUser, teamNameCandidates, userDisplayName, userEmail } from './scim-resources';
import { GROUP_SCHEMA, USER_DEFINITION, USER_SCHEMA } from './scim-schemas';

function refuses(action: () => unknown, scimType: string, pattern: RegExp): void {
  assert.throws(action, (error: unknown) => error instanceof ScimError && error.status === 400 && error.scimType === scimType && pattern.test(error.detail));
}

const entraUser = {
  schemas: [USER_SCHEMA, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
  externalId: '8a6f…',
  UserName: ' alice@contoso.example ',
  active: 'True',
  displayName: 'Alice',
  title: 'Engineer',
  emails: [{ primary: 'true', type: 'work', value: 'alice@contoso.example' }],
  name: { givenName: 'Alice', familyName: 'Smith', middleName: 'Q' },
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { employeeNumber: '1' },
};

void describe('SCIM resources', () => {
  void it('reads a User as Entra ID sends it: names in any case, string booleans, unknown attributes dropped', () => {
    assert.deepEqual(parseUserBody(entraUser), {
      userName: 'alice@contoso.example',
      externalId: '8a6f…',
      displayName: 'Alice',
      givenName: 'Alice',
      familyName: 'Smith',
      formattedName: null,
      emails: [{ value: 'alice@contoso.example', type: 'work', primary: true }],
      active: true,
    });
  });

  void it('refuses what cannot be a User, with invalidValue or invalidSyntax', () => {
    refuses(() => parseUserBody('x'), 'invalidSyntax', /JSON object/);
    refuses(() => parseUserBody({ schemas: [GROUP_SCHEMA], userName: 'a' }), 'invalidSyntax', /schemas must contain/);
    refuses(() => parseUserBody({ displayName: 'no userName' }), 'invalidValue', /userName is required/);
    refuses(() => parseUserBody({ userName: '  ' }), 'invalidValue', /userName must not be empty/);
    refuses(() => parseUserBody({ userName: 'a'.repeat(256) }), 'invalidValue', /at most 255/);
    refuses(() => parseUserBody({ userName: 'a', active: 'yes' }), 'invalidValue', /active must be true or false/);
    refuses(() => parseUserBody({ userName: 'a', emails: [{ value: 'a@x', primary: true }, { value: 'b@x', primary: true }] }), 'invalidValue', /at most one email may be primary/);
    refuses(() => parseUserBody({ userName: 'a', name: 'Alice' }), 'invalidValue', /name must be an object/);
  });

  void it('derives the Stackyard profile: display name and e-mail', () => {
    const base = parseUserBody({ userName: 'bob@x.example' });
    assert.equal(userDisplayName(base), 'bob@x.example');
    assert.equal(userDisplayName({ ...base, givenName: 'Bob', familyName: 'Jones' }), 'Bob Jones');
    assert.equal(userDisplayName({ ...base, displayName: 'Bobby', givenName: 'Bob' }), 'Bobby');
    assert.equal(userEmail(base), '');
    assert.equal(userEmail({ ...base, emails: [{ value: 'a@x' }, { value: 'b@x', primary: true }] }), 'b@x');
  });

  void it('reads Groups: members are Users, without duplicates', () => {
    assert.deepEqual(parseGroupBody({ schemas: [GROUP_SCHEMA], displayName: 'Platform', members: [{ value: 'u1', type: 'User' }, { value: 'u1' }, { value: 'u2', display: 'x' }] }), {
      displayName: 'Platform',
      externalId: null,
      members: ['u1', 'u2'],
    });
    refuses(() => parseGroupBody({ displayName: 'A', members: [{ value: 'g1', type: 'Group' }] }), 'invalidValue', /groups do not nest/);
    refuses(() => parseGroupBody({ members: [] }), 'invalidValue', /displayName is required/);
  });

  void it('renders resources with meta and member references', () => {
    const base = 'https://api.example/scim/v2/acme';
    const rendered = renderUser({ ...parseUserBody({ userName: 'a@x' }), id: 'u1', created: 0, lastModified: 1000 }, base);
    assert.deepEqual(rendered, {
      schemas: [USER_SCHEMA],
      userName: 'a@x',
      id: 'u1',
      meta: { resourceType: 'User', created: '1970-01-01T00:00:00.000Z', lastModified: '1970-01-01T00:00:01.000Z', location: `${base}/Users/u1` },
    });
    const group = renderGroup({ id: 'g1', displayName: 'Ops', externalId: null, members: ['u1'], created: 0, lastModified: 0 }, base);
    assert.deepEqual(group['members'], [{ value: 'u1', $ref: `${base}/Users/u1`, type: 'User' }]);
  });

  void it('projects attributes and excludedAttributes; id and schemas always stay', () => {
    const resource = { schemas: [USER_SCHEMA], id: 'u1', userName: 'a', name: { givenName: 'A', familyName: 'B' }, emails: [{ value: 'a@x', type: 'work' }], meta: {} };
    assert.deepEqual(projectResource(resource, parseAttributeList(USER_DEFINITION, 'userName,name.givenName,emails.value'), undefined), {
      schemas: [USER_SCHEMA],
      id: 'u1',
      userName: 'a',
      name: { givenName: 'A' },
      emails: [{ value: 'a@x' }],
    });
    assert.deepEqual(projectResource(resource, undefined, parseAttributeList(USER_DEFINITION, 'emails, meta, id, name.familyName, nonsense')), {
      schemas: [USER_SCHEMA],
      id: 'u1',
      userName: 'a',
      name: { givenName: 'A' },
    });
  });

  void it('derives team names from group names', () => {
    assert.equal(baseTeamName('Platform Engineers'), 'platform-engineers');
    assert.equal(baseTeamName('Équipe ☕ Café'), 'equipe-cafe');
    assert.equal(baseTeamName('***'), 'group');
    const names = teamNameCandidates('x'.repeat(80));
    assert.equal(names.next().value, 'x'.repeat(64));
    assert.equal(names.next().value, `${'x'.repeat(62)}-2`);
  });
});
