import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type * as Charts from '../web/src/charts';
import type * as Summaries from '../web/src/summaries';
import type * as Timeline from '../web/src/update-timeline';

// The console's browser modules, as compiled for the browser (ES modules, loaded here through require(esm)).
const load = createRequire(__filename);
const { barChart, linearScale, niceCeiling, updatesPerDay } = load(join(__dirname, '..', 'web', 'charts.js')) as typeof Charts;
const { timelineOf } = load(join(__dirname, '..', 'web', 'update-timeline.js')) as typeof Timeline;

type Node = Charts.SvgNode;
const all = (node: Node, tag: Node['tag']): Node[] => [...(node.tag === tag ? [node] : []), ...node.children.flatMap((child) => (typeof child === 'string' ? [] : all(child, tag)))];

void describe('console charts', () => {
  void it('scales from 0 at the bottom to a readable maximum at the top', () => {
    assert.deepEqual([0.4, 1, 3, 7, 10, 11, 180].map(niceCeiling), [0.5, 1, 5, 10, 10, 20, 200]);
    assert.equal(niceCeiling(0), 1);
    const y = linearScale(10, 100);
    assert.deepEqual([y(0), y(5), y(10), y(20), y(-1)], [100, 50, 0, 0, 100]);
    assert.equal(linearScale(0, 100)(0), 100, 'an empty scale does not divide by zero');
  });

  void it('draws nothing but a titled, labelled empty chart for no data', () => {
    const chart = barChart('Updates per day', [], ['succeeded', 'failed']);
    assert.equal(all(chart.svg, 'rect').length, 0);
    assert.equal(chart.svg.attrs['aria-label'], 'Updates per day: no data');
    assert.equal(all(chart.svg, 'title')[0]?.children[0], 'Updates per day');
    assert.deepEqual(chart.table.rows, []);
  });

  void it('draws one point as one bar on an axis ending at a readable number, labelled for screen readers', () => {
    const chart = barChart('Duration', [{ label: 'v1', parts: [{ series: 'duration', value: 7 }] }], ['duration'], 's');
    const rects = all(chart.svg, 'rect');
    assert.equal(rects.length, 1);
    // 7 s on an axis to 10 s: 70% of the 160-pixel plot.
    assert.equal(rects[0]?.attrs['height'], '112');
    const bars = all(chart.svg, 'g').filter((g) => g.attrs['class'] === 'bar');
    assert.equal(bars.length, 1);
    assert.deepEqual(
      bars.flatMap((bar) => all(bar, 'title').slice(0, 1)).map((title) => title.children[0]),
      ['v1: duration 7 s'],
    );
    assert.deepEqual(chart.table, { head: ['', 'duration (s)'], rows: [['v1', '7']] });
  });

  void it('stacks the series of a bar in their given order, each part its own rectangle', () => {
    const chart = barChart('Updates', [{ label: 'd', parts: [{ series: 'failed', value: 1 }, { series: 'succeeded', value: 3 }] }], ['succeeded', 'failed']);
    const rects = all(chart.svg, 'rect');
    assert.deepEqual(rects.map((r) => r.attrs['class']), ['series-succeeded', 'series-failed']);
    const [ok, failed] = rects.map((r) => ({ y: Number(r.attrs['y']), h: Number(r.attrs['height']) }));
    assert.ok(ok && failed && failed.y + failed.h === ok.y, 'failed sits on top of succeeded');
    assert.equal(ok.h, 3 * failed.h);
  });

  void it('counts updates per UTC day and result, oldest day first', () => {
    const day = (iso: string) => Date.parse(iso) / 1000;
    assert.deepEqual(
      updatesPerDay([
        { startTime: day('2026-11-26T23:59:00Z'), result: 'succeeded' },
        { startTime: day('2026-11-25T10:00:00Z'), result: 'failed' },
        { startTime: day('2026-11-26T01:00:00Z'), result: 'succeeded' },
      ]),
      [
        { label: '2026-11-25', parts: [{ series: 'failed', value: 1 }] },
        { label: '2026-11-26', parts: [{ series: 'succeeded', value: 2 }] },
      ],
    );
  });
});

void describe('update timeline', () => {
  void it('folds start and end events into one row per resource, leaving providers out', () => {
    const event = (sequence: number, timestamp: number, phase: 'start' | 'end' | 'failed', urn: string, op = 'create', type = 't') => ({ sequence, timestamp, phase, urn, type, op });
    const timeline = timelineOf([
      event(4, 13, 'end', 'a'),
      event(1, 10, 'start', 'a'),
      event(2, 11, 'start', 'p', 'create', 'pulumi:providers:pulumi-nodejs'),
      event(3, 11, 'start', 'b', 'update'),
      event(5, 15, 'failed', 'b', 'update'),
      event(6, 15, 'start', 'c', 'same'),
    ]);
    assert.deepEqual(timeline.rows, [
      { urn: 'a', type: 't', op: 'create', start: 10, end: 13, failed: false },
      { urn: 'b', type: 't', op: 'update', start: 11, end: 15, failed: true },
      { urn: 'c', type: 't', op: 'same', start: 15, failed: false },
    ]);
    assert.deepEqual(timeline.counts, { create: 1, update: 1, same: 1 });
    assert.equal(timeline.start, 10);
    assert.equal(timeline.span, 5);
    assert.deepEqual(timelineOf([]), { rows: [], counts: {}, start: 0, span: 0 });
  });
});

const { environmentSummary, groupStacks } = load(join(__dirname, '..', 'web', 'summaries.js')) as typeof Summaries;

void describe('console summaries', () => {
  const stack = (projectName: string, stackName: string, tags: Record<string, string> = {}) => ({ orgName: 'acme', projectName, stackName, tags });

  void it('groups stacks by project, or by one tag’s value with the untagged last', () => {
    const stacks = [stack('web', 'prod', { env: 'production' }), stack('api', 'dev', { env: 'dev' }), stack('web', 'dev'), stack('api', 'prod', { env: 'production' })];
    assert.deepEqual(
      groupStacks(stacks, '').map(([heading, label, members]) => [heading, label, members.map((s) => s.stackName)]),
      [
        ['acme/web', 'Project acme/web', ['prod', 'dev']],
        ['acme/api', 'Project acme/api', ['dev', 'prod']],
      ],
    );
    assert.deepEqual(
      groupStacks(stacks, 'tag:env').map(([heading, , members]) => [heading, members.map((s) => `${s.projectName}/${s.stackName}`)]),
      [
        ['env: dev', ['api/dev']],
        ['env: production', ['web/prod', 'api/prod']],
        ['No env tag', ['web/dev']],
      ],
    );
    assert.deepEqual(groupStacks([], 'tag:env'), []);
  });

  void it('says where an update ran from what the CLI reported, the whole map as the tooltip', () => {
    const env = { 'ci.system': 'GitLab CI', 'git.headName': 'refs/heads/main', 'git.head': '0123456789abcdef', 'git.author': 'Alice', 'pulumi.version': 'v3.274.1', 'exec.kind': 'cli' };
    const summary = environmentSummary(env);
    assert.equal(summary.text, 'GitLab CI · main@0123456 · Alice · pulumi v3.274.1');
    assert.equal(summary.title.split('\n')[0], 'ci.system: GitLab CI');
    assert.equal(environmentSummary({ 'exec.kind': 'auto.inline' }).text, 'auto.inline');
    assert.deepEqual(environmentSummary(undefined), { text: '—', title: '' });
  });
});
