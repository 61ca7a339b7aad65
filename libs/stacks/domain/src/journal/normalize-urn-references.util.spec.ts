import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JournalReplayError } from './journal-replay.exception';
import { type DeploymentV3Json } from './journal.types';
import { UNKNOWN_PROVIDER_ID } from '../stack-rename.util';
import { normalizeUrnReferences } from './normalize-urn-references.util';

// Expected values follow Go `apitype.DeploymentV3.NormalizeURNReferences` (sdk/go/common/apitype/core.go).
const u = (qualifiedType: string, name: string): string => `urn:pulumi:dev::proj::${qualifiedType}::${name}`;

void describe('normalizeUrnReferences', () => {
  void it('rewrites references through aliases, derives child URNs from a re-typed parent, drops aliases', () => {
    const oldComp = u('my:C', 'comp');
    const newComp = u('my:C2', 'comp');
    const oldChild = u('my:C$pkg:m:T', 'child');
    const prov = u('pulumi:providers:pkg', 'p');
    const d: DeploymentV3Json = {
      resources: [
        { urn: newComp, aliases: [oldComp] },
        // Still recorded under the old parent: its URN is derived from the new parent's type.
        { urn: oldChild, parent: oldComp, dependencies: [oldComp], propertyDependencies: { k: [oldComp] }, deletedWith: oldComp },
        { urn: u('pkg:m:T', 'user'), dependencies: [oldChild], viewOf: oldChild, provider: `${prov}::` },
      ],
      snippets: [{ references: { c: oldComp } }],
      pending_operations: [{ resource: { urn: oldChild }, type: 'creating' }],
    };
    normalizeUrnReferences(d);
    const newChild = u('my:C2$pkg:m:T', 'child');
    assert.deepEqual(d.resources, [
      { urn: newComp },
      { urn: newChild, parent: newComp, dependencies: [newComp], propertyDependencies: { k: [newComp] }, deletedWith: newComp },
      // An empty provider id becomes providers.UnknownID (providers.NewReference).
      { urn: u('pkg:m:T', 'user'), dependencies: [newChild], viewOf: newChild, provider: `${prov}::${UNKNOWN_PROVIDER_ID}` },
    ]);
    assert.deepEqual(d.snippets, [{ references: { c: newComp } }]);
    // Pending operations are not normalised by the reference.
    assert.equal(d.pending_operations?.[0]?.resource.urn, oldChild);
  });

  void it('a parent re-URNed to the root stack type adds no parent prefix', () => {
    const stack = u('pulumi:pulumi:Stack', 'proj-dev');
    const d: DeploymentV3Json = { resources: [{ urn: stack, aliases: [u('pulumi:pulumi:Stack', 'old')] }, { urn: u('pkg:m:T', 'x'), parent: u('pulumi:pulumi:Stack', 'old') }] };
    normalizeUrnReferences(d);
    assert.deepEqual(d.resources?.[1], { urn: u('pkg:m:T', 'x'), parent: stack });
  });

  void it('fixes the URN inside provider references and leaves malformed ones alone', () => {
    const oldProv = u('pulumi:providers:pkg', 'old');
    const newProv = u('pulumi:providers:pkg', 'new');
    const d: DeploymentV3Json = {
      resources: [
        { urn: newProv, aliases: [oldProv] },
        { urn: u('pkg:m:T', 'a'), provider: `${oldProv}::id1` },
        { urn: u('pkg:m:T', 'b'), provider: 'garbage' },
        { urn: u('pkg:m:T', 'c'), provider: `${u('pkg:m:T', 'notprov')}::id` },
      ],
    };
    normalizeUrnReferences(d);
    assert.deepEqual(d.resources?.map((r) => r.provider), [undefined, `${newProv}::id1`, 'garbage', `${u('pkg:m:T', 'notprov')}::id`]);
  });

  void it('two resources claiming one alias is an error', () => {
    const d: DeploymentV3Json = { resources: [{ urn: u('t', 'a'), aliases: [u('t', 'x')] }, { urn: u('t', 'b'), aliases: [u('t', 'x')] }] };
    assert.throws(() => normalizeUrnReferences(d), (e: unknown) => e instanceof JournalReplayError && /same alias/.test(e.message));
  });
});
