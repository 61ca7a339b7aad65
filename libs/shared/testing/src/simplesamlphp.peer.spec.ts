import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { afterEach, describe, it } from 'node:test';
import { MissingPeerError } from './require-peer.util';
import { createTestSigningCertificate, startSimpleSamlPhp } from './simplesamlphp.peer';

void describe('startSimpleSamlPhp without SimpleSAMLphp', () => {
  const saved = process.env['STACKYARD_SIMPLESAMLPHP_WWW'];
  afterEach(() => {
    if (saved === undefined) delete process.env['STACKYARD_SIMPLESAMLPHP_WWW'];
    else process.env['STACKYARD_SIMPLESAMLPHP_WWW'] = saved;
  });

  void it('fails with MissingPeerError naming the provisioning script (never skips)', async () => {
    process.env['STACKYARD_SIMPLESAMLPHP_WWW'] = '/nonexistent/simplesamlphp/www';
    await assert.rejects(
      startSimpleSamlPhp({ sp: { entityId: 'https://sp.test/metadata', acsUrl: 'https://sp.test/acs' }, users: [] }),
      (error: unknown) => {
        assert.ok(error instanceof MissingPeerError);
        assert.match(error.message, /\/nonexistent\/simplesamlphp\/www\/saml2\/idp\/SSOService\.php does not exist/);
        assert.match(error.message, /bash scripts\/peers\/simplesamlphp\.sh/);
        return true;
      },
    );
  });
});

void describe('createTestSigningCertificate', () => {
  void it('makes a self-signed RSA-2048 certificate matching its PKCS#8 key, valid around now', async () => {
    const { certificatePem, privateKeyPem } = await createTestSigningCertificate({ commonName: 'unit' });
    const certificate = new X509Certificate(certificatePem);
    assert.equal(certificate.subject, 'CN=unit');
    assert.ok(certificate.verify(certificate.publicKey), 'self-signed');
    assert.equal(certificate.publicKey.asymmetricKeyDetails?.modulusLength, 2048);
    assert.match(privateKeyPem, /^-----BEGIN PRIVATE KEY-----/);
    const derivedPublic = createPublicKey(createPrivateKey(privateKeyPem)).export({ type: 'spki', format: 'der' });
    assert.deepEqual(derivedPublic, certificate.publicKey.export({ type: 'spki', format: 'der' }));
    assert.ok(Date.parse(certificate.validFrom) < Date.now() && Date.now() < Date.parse(certificate.validTo));
  });

  void it('honours explicit validity dates (for expired-certificate tests)', async () => {
    const notBefore = new Date('2020-01-01T00:00:00Z');
    const notAfter = new Date('2021-01-01T00:00:00Z');
    const certificate = new X509Certificate((await createTestSigningCertificate({ commonName: 'old', notBefore, notAfter })).certificatePem);
    assert.equal(Date.parse(certificate.validFrom), notBefore.getTime());
    assert.equal(Date.parse(certificate.validTo), notAfter.getTime());
  });
});
