import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { identityMaxBodyBytes } from './body-limits';

void describe('identityMaxBodyBytes', () => {
  void it('admits a SAMLResponse and uploaded IdP metadata, and keeps everything else small', () => {
    assert.equal(identityMaxBodyBytes('/internal/v1/sign-in/saml/acme/acs'), 512 * 1024);
    assert.equal(identityMaxBodyBytes('/internal/v1/orgs/acme/saml'), 3 * 1024 * 1024);
    for (const path of ['/internal/v1/sign-in/saml/acme/start', '/internal/v1/sign-in/directory/corp', '/internal/v1/orgs/acme/saml/x', '/internal/v1/tokens']) {
      assert.equal(identityMaxBodyBytes(path), 64 * 1024, path);
    }
  });
});
