import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stackResourceTree } from './stack-resources';

const SECRET = { '4dabf18193072939515e22adb298388d': '1b47061264138c4ac30d75fd1eb44270', ciphertext: 'v1:abc' };
const STACK = 'urn:pulumi:dev::web::pulumi:pulumi:Stack::web-dev';
const PROVIDER = 'urn:pulumi:dev::web::pulumi:providers:random::default_4_16_0';
const COMPONENT = 'urn:pulumi:dev::web::my:app:Site::site';
const CHILD = 'urn:pulumi:dev::web::my:app:Site$random:index/randomPet:RandomPet::pet';

void describe('stackResourceTree', () => {
  void it('nests resources under their parents, names their provider and masks secrets', () => {
    const tree = stackResourceTree({
      resources: [
        { urn: STACK, type: 'pulumi:pulumi:Stack', outputs: { password: SECRET } },
        { urn: PROVIDER, type: 'pulumi:providers:random', id: 'p-1', parent: STACK },
        { urn: COMPONENT, type: 'my:app:Site', parent: STACK },
        { urn: CHILD, type: 'random:index/randomPet:RandomPet', id: 'pet-1', parent: COMPONENT, provider: `${PROVIDER}::p-1`, inputs: { length: 2, key: SECRET }, outputs: { id: 'pet-1', nested: [SECRET] } },
      ],
    });
    assert.equal(tree.length, 1);
    const [stack] = tree;
    assert.deepEqual(stack.outputs, { password: '[secret]' });
    assert.deepEqual(stack.children.map((c) => c.name), ['default_4_16_0', 'site']);
    const pet = stack.children[1].children[0];
    assert.equal(pet.name, 'pet');
    assert.equal(pet.id, 'pet-1');
    assert.equal(pet.provider, 'pulumi:providers:random::default_4_16_0');
    assert.deepEqual(pet.inputs, { length: 2, key: '[secret]' });
    assert.deepEqual(pet.outputs, { id: 'pet-1', nested: ['[secret]'] });
    assert.doesNotMatch(JSON.stringify(tree), /v1:abc/);
  });

  void it('treats a resource whose parent is missing as a root, and ignores entries that are not resources', () => {
    const tree = stackResourceTree({ resources: [null, 'x', { urn: CHILD, type: 't', parent: COMPONENT }] });
    assert.deepEqual(tree.map((n) => n.urn), [CHILD]);
    assert.deepEqual(stackResourceTree(undefined), []);
  });
});
