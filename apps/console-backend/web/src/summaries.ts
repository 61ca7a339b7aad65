import type { StackSummary } from './api.js';

/* Pure summaries the pages draw (no DOM here, so the unit tests load this module as it ships). */

/**
 * The stacks in groups, as [heading, accessible label, stacks]: by project (`groupBy` empty), or by
 * the value of one tag (`tag:<name>`), stacks without it last.
 */
export function groupStacks(stacks: StackSummary[], groupBy: string): Array<[string, string, StackSummary[]]> {
  const tag = groupBy.startsWith('tag:') ? groupBy.slice(4) : undefined;
  const groups = new Map<string, StackSummary[]>();
  for (const s of stacks) {
    const key = tag === undefined ? `${s.orgName}/${s.projectName}` : (s.tags?.[tag] ?? '');
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  const keys = [...groups.keys()];
  if (tag !== undefined) keys.sort((a, b) => (a === '' ? 1 : b === '' ? -1 : a.localeCompare(b)));
  return keys.map((key) => {
    if (tag === undefined) return [key, `Project ${key}`, groups.get(key) ?? []];
    const heading = key === '' ? `No ${tag} tag` : `${tag}: ${key}`;
    return [heading, `Tag ${heading}`, groups.get(key) ?? []];
  });
}

/**
 * Where an update ran, from what the CLI reported (`environment`): the CI system or the kind of
 * run, the branch and commit, and the CLI's version; the whole map is the cell's tooltip.
 */
export function environmentSummary(environment: Record<string, string> | undefined): { text: string; title: string } {
  const env = environment ?? {};
  const where = env['ci.system'] ?? (env['exec.kind'] ? env['exec.kind'] : undefined);
  const branch = env['git.headName']?.replace(/^refs\/heads\//, '');
  const commit = env['git.head']?.slice(0, 7);
  const parts = [where, branch && commit ? `${branch}@${commit}` : (branch ?? commit), env['git.author'], env['pulumi.version'] ? `pulumi ${env['pulumi.version']}` : undefined].filter(
    (part): part is string => typeof part === 'string' && part !== '',
  );
  const title = Object.entries(env)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');
  return { text: parts.length ? parts.join(' · ') : '—', title };
}
