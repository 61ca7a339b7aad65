import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { filterContext } from './scim-attributes';
import { ScimError } from './scim-error';
import { equalityLookup, matchesFilter, parseFilter, parsePatchPath } from './scim-filter';
import { parseListQuery } from './scim-list';
import { GROUP_DEFINITION, MAX_RESULTS, USER_DEFINITION } from './scim-schemas';

const alice = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  id: '2819c223-7f76-453a-919d-413861904646',
  externalId: 'AbC-1',
  userName: 'Alice@Example.com',
  name: { givenName: 'Alice', familyName: 'Jensen' },
  emails: [
    { value: 'alice@example.com', type: 'work', primary: true },
    { value: 'alice@home.example', type: 'home' },
  ],
  active: true,
  meta: { lastModified: '2026-01-02T03:04:05.000Z' },
};

const matches = (filter: string, resource: Record<string, unknown> = alice) => matchesFilter(parseFilter(filter), resource, filterContext(USER_DEFINITION));

function refuses(action: () => unknown, scimType: string, pattern: RegExp): void {
  assert.throws(action, (error: unknown) => error instanceof ScimError && error.status === 400 && error.scimType === scimType && pattern.test(error.detail));
}

void describe('SCIM filters', () => {
  void it('parses the RFC 7644 grammar into a tree, with not > and > or', () => {
    assert.deepEqual(parseFilter('userName eq "bjensen"'), { kind: 'compare', path: { attribute: 'userName' }, operator: 'eq', value: 'bjensen' });
    assert.deepEqual(parseFilter('a pr or b eq 1 and not (c eq true)'), {
      kind: 'or',
      left: { kind: 'present', path: { attribute: 'a' } },
      right: {
        kind: 'and',
        left: { kind: 'compare', path: { attribute: 'b' }, operator: 'eq', value: 1 },
        right: { kind: 'not', filter: { kind: 'compare', path: { attribute: 'c' }, operator: 'eq', value: true } },
      },
    });
    assert.deepEqual(parseFilter('urn:ietf:params:scim:schemas:core:2.0:User:name.familyName SW "J"'), {
      kind: 'compare',
      path: { schema: 'urn:ietf:params:scim:schemas:core:2.0:User', attribute: 'name', subAttribute: 'familyName' },
      operator: 'sw',
      value: 'J',
    });
    assert.deepEqual(parseFilter('emails[type eq "work" and value co "@example.com"]').kind, 'valuePath');
    assert.deepEqual(parseFilter('title eq null'), { kind: 'compare', path: { attribute: 'title' }, operator: 'eq', value: null });
  });

  void it('matches case-insensitively, except on caseExact attributes (id, externalId)', () => {
    assert.equal(matches('userName eq "alice@example.com"'), true, 'userName is not caseExact');
    assert.equal(matches('USERNAME Eq "ALICE@EXAMPLE.COM"'), true, 'attribute names and operators ignore case');
    assert.equal(matches('externalId eq "abc-1"'), false);
    assert.equal(matches('externalId eq "AbC-1"'), true);
    assert.equal(matches('userName ne "bob"'), true);
  });

  void it('evaluates every operator, presence, multi-valued and value filters', () => {
    assert.equal(matches('name.familyName co "ens"'), true);
    assert.equal(matches('name.givenName sw "al" and name.familyName ew "SEN"'), true);
    assert.equal(matches('emails eq "alice@home.example"'), true, 'a multi-valued complex attribute compares by value');
    assert.equal(matches('emails.type eq "home"'), true);
    assert.equal(matches('emails[type eq "work" and primary eq true]'), true);
    assert.equal(matches('emails[type eq "home" and primary eq true]'), false);
    assert.equal(matches('displayName pr'), false);
    assert.equal(matches('displayName eq null'), true);
    assert.equal(matches('active eq true and not (userName eq "bob")'), true);
    assert.equal(matches('meta.lastModified gt "2026-01-01T00:00:00Z"'), true);
    assert.equal(matches('meta.lastModified lt "2026-01-01T00:00:00Z"'), false);
  });

  void it('answers 400 invalidFilter for malformed filters, with where', () => {
    refuses(() => parseFilter(''), 'invalidFilter', /empty/);
    refuses(() => parseFilter('userName eq'), 'invalidFilter', /expected a value at the end/);
    refuses(() => parseFilter('userName is "x"'), 'invalidFilter', /unknown operator 'is'/);
    refuses(() => parseFilter('userName eq "x" extra'), 'invalidFilter', /unexpected text at character 17/);
    refuses(() => parseFilter('(userName eq "x"'), 'invalidFilter', /expected '\)'/);
    refuses(() => parseFilter('userName eq "unterminated'), 'invalidFilter', /unterminated string/);
    refuses(() => parseFilter(`${'not ('.repeat(40)}a pr${')'.repeat(40)}`), 'invalidFilter', /nests deeper/);
    refuses(() => matches('active gt true'), 'invalidFilter', /boolean/);
  });

  void it('refuses filters on attributes the resource does not have', () => {
    refuses(() => parseListQuery(USER_DEFINITION, { filter: 'title eq "x"' }), 'invalidFilter', /'title' is not an attribute of User/);
    refuses(() => parseListQuery(GROUP_DEFINITION, { filter: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "1"' }), 'invalidFilter', /not an attribute/);
    assert.ok(parseListQuery(GROUP_DEFINITION, { filter: 'displayName eq "Admins"' }).filter);
  });

  void it('finds the equality lookups that lists answer from an index', () => {
    assert.deepEqual(equalityLookup(parseFilter('userName eq "a@b"')), { path: { attribute: 'userName' }, value: 'a@b' });
    assert.equal(equalityLookup(parseFilter('userName sw "a"')), undefined);
    assert.equal(equalityLookup(parseFilter('userName eq "a" or userName eq "b"')), undefined);
  });

  void it('parses PATCH paths: attribute, sub-attribute, value filter and filtered sub-attribute', () => {
    assert.deepEqual(parsePatchPath('active'), { path: { attribute: 'active' } });
    assert.deepEqual(parsePatchPath('name.givenName'), { path: { attribute: 'name', subAttribute: 'givenName' } });
    assert.deepEqual(parsePatchPath('members[value eq "u1"]'), {
      path: { attribute: 'members' },
      filter: { kind: 'compare', path: { attribute: 'value' }, operator: 'eq', value: 'u1' },
    });
    assert.deepEqual(parsePatchPath('emails[type eq "work"].value'), {
      path: { attribute: 'emails' },
      filter: { kind: 'compare', path: { attribute: 'type' }, operator: 'eq', value: 'work' },
      valueSubAttribute: 'value',
    });
    refuses(() => parsePatchPath('emails[type eq "work"'), 'invalidPath', /expected '\]'/);
    refuses(() => parsePatchPath('name.givenName.x'), 'invalidPath', /not an attribute path/);
  });

  void it('reads paging as RFC 7644 §3.4.2.4 says: startIndex below 1 is 1, count is clamped', () => {
    assert.deepEqual(parseListQuery(USER_DEFINITION, {}), { startIndex: 1, count: 100 });
    assert.deepEqual(parseListQuery(USER_DEFINITION, { startIndex: '0', count: '-5' }), { startIndex: 1, count: 0 });
    assert.equal(parseListQuery(USER_DEFINITION, { count: '999999' }).count, MAX_RESULTS);
    refuses(() => parseListQuery(USER_DEFINITION, { startIndex: 'two' }), 'invalidValue', /startIndex must be an integer/);
    refuses(() => parseListQuery(USER_DEFINITION, { attributes: 'userName', excludedAttributes: 'emails' }), 'invalidValue', /mutually exclusive/);
  });
});
