import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { samlPerson, SamlPersonError } from './saml-person';

const EMAIL = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';
const PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';
const defaults = { groupsAttribute: 'groups', usernameAttribute: null };

void describe('samlPerson', () => {
  void it('takes the NameID as subject and username, name and e-mail from the usual attributes, groups from the configured one', () => {
    const person = samlPerson(
      { nameId: 'alice@acme.test', nameIdFormat: EMAIL, attributes: { uid: ['alice'], mail: ['alice@acme.test'], displayName: ['Alice Example'], groups: ['platform', ' on-call ', 'platform', ''] } },
      defaults,
    );
    assert.deepEqual(person, {
      subject: 'alice@acme.test',
      username: 'alice@acme.test',
      displayName: 'Alice Example',
      email: 'alice@acme.test',
      groups: [
        { id: 'platform', name: 'platform' },
        { id: 'on-call', name: 'on-call' },
      ],
    });
  });

  void it('reads Entra ID’s claim URIs and a configured username attribute', () => {
    const person = samlPerson(
      {
        nameId: 'AAAAAAAAAAAAAAAAAAAAAMcG6dkw',
        nameIdFormat: PERSISTENT,
        attributes: {
          'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress': ['bob@corp.example'],
          'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname': ['Bob'],
          'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname': ['Builder'],
          'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups': ['3f2a…-guid'],
          upn: ['bob@corp.example'],
        },
      },
      { groupsAttribute: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups', usernameAttribute: 'upn' },
    );
    assert.equal(person.subject, 'AAAAAAAAAAAAAAAAAAAAAMcG6dkw');
    assert.equal(person.username, 'bob@corp.example');
    assert.equal(person.displayName, 'Bob Builder');
    assert.equal(person.email, 'bob@corp.example');
    assert.deepEqual(person.groups, [{ id: '3f2a…-guid', name: '3f2a…-guid' }]);
  });

  void it('has no e-mail when neither an attribute nor the NameID gives one, and no groups without the attribute', () => {
    const person = samlPerson({ nameId: 'u-123', nameIdFormat: PERSISTENT, attributes: {} }, defaults);
    assert.equal(person.email, '');
    assert.equal(person.displayName, '');
    assert.deepEqual(person.groups, []);
  });

  void it('refuses a transient NameID, a missing username attribute and an over-long NameID, saying what to change', () => {
    assert.throws(() => samlPerson({ nameId: '_8e8dc5f69a98cc4c1ff3427e5ce34606fd672f91e6', nameIdFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient', attributes: {} }, defaults), (error: unknown) => {
      assert.ok(error instanceof SamlPersonError);
      assert.match(error.message, /transient NameID.*persistent or e-mail NameID/);
      return true;
    });
    assert.throws(() => samlPerson({ nameId: 'a@b.c', nameIdFormat: EMAIL, attributes: {} }, { groupsAttribute: 'groups', usernameAttribute: 'uid' }), /no 'uid' attribute/);
    assert.throws(() => samlPerson({ nameId: 'x'.repeat(256), nameIdFormat: PERSISTENT, attributes: {} }, defaults), /NameID must be 1–255 characters/);
  });
});
