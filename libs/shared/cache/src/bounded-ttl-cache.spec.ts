import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BoundedTtlCache } from './bounded-ttl-cache';

void describe(BoundedTtlCache.name, () => {
  void it('evicts the least recently used entry when full', () => {
    const sut = new BoundedTtlCache<string, number>(2, 1000, () => 0);
    sut.set('a', 1);
    sut.set('b', 2);
    assert.equal(sut.get('a'), 1); // a is now the most recently used
    sut.set('c', 3);
    assert.equal(sut.get('b'), undefined);
    assert.equal(sut.get('a'), 1);
    assert.equal(sut.get('c'), 3);
    assert.equal(sut.size, 2);
  });

  void it('expires entries ttl after they were stored, however often they are read', () => {
    let now = 0;
    const sut = new BoundedTtlCache<string, number>(10, 100, () => now);
    sut.set('a', 1);
    now = 60;
    assert.equal(sut.get('a'), 1);
    now = 99;
    assert.equal(sut.get('a'), 1);
    now = 100;
    assert.equal(sut.get('a'), undefined);
    assert.equal(sut.size, 0);
  });

  void it('replacing a key refreshes its value and age without growing', () => {
    let now = 0;
    const sut = new BoundedTtlCache<string, number>(10, 100, () => now);
    sut.set('a', 1);
    now = 90;
    sut.set('a', 2);
    now = 150;
    assert.equal(sut.get('a'), 2);
    assert.equal(sut.size, 1);
  });

  void it('refuses nonsensical bounds', () => {
    assert.throws(() => new BoundedTtlCache(0, 1));
    assert.throws(() => new BoundedTtlCache(1, 0));
  });
});
