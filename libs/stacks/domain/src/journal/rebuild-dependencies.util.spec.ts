import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ResourceV3Json } from './journal.types';
import { rebuildDependencies } from './rebuild-dependencies.util';

// Expected values follow Go `rebuildDependencies` / `undangleParentResources` (pkg/backend/journal.go).
void describe('rebuildDependencies', () => {
  void it('keeps only references to earlier resources and omits what ends up empty', () => {
    const resources: ResourceV3Json[] = [
      { urn: 'a' },
      {
        urn: 'b',
        parent: 'a',
        dependencies: ['a', 'gone', 'c'],
        propertyDependencies: { p: ['a', 'gone'], q: ['gone'], r: [] },
        replaceWith: ['gone'],
        deletedWith: 'c',
      },
      { urn: 'c', parent: 'gone', dependencies: ['gone'], propertyDependencies: { q: ['gone'] }, replaceWith: ['a', 'b'], deletedWith: 'b' },
    ];
    rebuildDependencies(resources);
    assert.deepEqual(resources, [
      { urn: 'a' },
      // 'c' comes later, so it is not referenceable yet (the list is assumed topologically sorted).
      { urn: 'b', parent: 'a', dependencies: ['a'], propertyDependencies: { p: ['a'] } },
      { urn: 'c', replaceWith: ['a', 'b'], deletedWith: 'b' },
    ]);
  });

  void it('leaves resources without references untouched', () => {
    const resources: ResourceV3Json[] = [{ urn: 'a', custom: true, dependencies: [] }, { urn: 'b', parent: 'a' }];
    rebuildDependencies(resources);
    assert.deepEqual(resources, [{ urn: 'a', custom: true, dependencies: [] }, { urn: 'b', parent: 'a' }]);
  });
});
