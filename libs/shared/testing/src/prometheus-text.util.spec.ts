import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findSamples, parsePrometheusText } from './prometheus-text.util';

describe('parsePrometheusText', () => {
  it('reads families, labels with escapes, special values and timestamps', () => {
    const parsed = parsePrometheusText(
      [
        '# HELP http_seconds Request time.',
        '# TYPE http_seconds histogram',
        'http_seconds_bucket{le="0.1",route="/a/:id"} 1',
        'http_seconds_bucket{le="+Inf",route="/a/:id"} 2',
        'http_seconds_sum{route="/a/:id"} 0.25',
        'http_seconds_count{route="/a/:id"} 2',
        '# TYPE up gauge',
        'up{note="say \\"hi\\"\\nthere\\\\"} 1 1700000000000',
        'other NaN',
        '',
      ].join('\n'),
    );
    assert.equal(parsed.types.get('http_seconds'), 'histogram');
    assert.equal(findSamples(parsed, 'http_seconds_bucket', { le: '+Inf' })[0]?.value, 2);
    assert.equal(findSamples(parsed, 'up')[0]?.labels['note'], 'say "hi"\nthere\\');
    assert.ok(Number.isNaN(findSamples(parsed, 'other')[0]?.value));
  });

  it('rejects what a scraper rejects', () => {
    for (const bad of ['9metric 1', 'm{0x="a"} 1', 'm{a=b} 1', 'm{a="\\q"} 1', 'm 1.2.3', 'm{a="1"', '# TYPE m gauge\n# TYPE m gauge', 'a 1\nb 1\na 2', 'm{a="1",a="2"} 1', '# TYPE m nonsense']) {
      assert.throws(() => parsePrometheusText(bad), Error, JSON.stringify(bad));
    }
  });
});
