import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MASKED_SECRET, maskSecrets, rawStackOutput, resourceCountOf, revealSecrets, secretCiphertextsOf, stackOutputsOf } from './stack-outputs';

const secret = (ciphertext: string) => ({ '4dabf18193072939515e22adb298388d': '1b47061264138c4ac30d75fd1eb44270', ciphertext });

void describe('stack outputs for the console', () => {
  void it("takes the root stack resource's outputs, sorted, with secrets masked at any depth", () => {
    const deployment = {
      resources: [
        { urn: 'urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev', type: 'pulumi:pulumi:Stack', outputs: { url: 'https://x', password: secret('v1:abc'), nested: { list: [1, secret('v1:def')] } } },
        { urn: 'urn:pulumi:dev::p::random:index/randomPet:RandomPet::pet', type: 'random:index/randomPet:RandomPet', outputs: { id: 'pet' } },
      ],
    };
    const outputs = stackOutputsOf(deployment);
    assert.deepEqual(outputs, [
      { name: 'nested', value: { list: [1, MASKED_SECRET] }, secret: true },
      { name: 'password', value: MASKED_SECRET, secret: true },
      { name: 'url', value: 'https://x', secret: false },
    ]);
    assert.ok(!JSON.stringify(outputs).includes('v1:'), 'no ciphertext');
    assert.equal(resourceCountOf(deployment), 1);
  });

  void it('answers nothing for an empty or malformed deployment', () => {
    assert.deepEqual(stackOutputsOf({}), []);
    assert.deepEqual(stackOutputsOf(null), []);
    assert.deepEqual(stackOutputsOf({ resources: [{ type: 'pulumi:pulumi:Stack' }] }), []);
    assert.equal(resourceCountOf(undefined), 0);
    assert.deepEqual(maskSecrets('plain'), { value: 'plain', secret: false });
  });

  void it('reveals secrets from the plaintexts the api decrypted, and keeps unknown ones masked', () => {
    const value = { a: secret('c1'), list: [secret('c2'), 'plain'] };
    assert.deepEqual(secretCiphertextsOf(value), ['c1', 'c2']);
    const b64 = (json: unknown) => Buffer.from(JSON.stringify(json), 'utf8').toString('base64');
    assert.deepEqual(revealSecrets(value, { c1: b64('hunter2'), c2: b64({ n: 1 }) }), { a: 'hunter2', list: [{ n: 1 }, 'plain'] });
    assert.deepEqual(revealSecrets(value, { c1: b64('hunter2') }), { a: 'hunter2', list: [MASKED_SECRET, 'plain'] });
    const deployment = { resources: [{ type: 'pulumi:pulumi:Stack', outputs: { pw: secret('c3') } }] };
    assert.deepEqual(rawStackOutput(deployment, 'pw'), { found: true, value: secret('c3') });
    assert.deepEqual(rawStackOutput(deployment, 'toString'), { found: false, value: undefined });
  });
});
