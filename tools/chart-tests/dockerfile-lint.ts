/**
 * Static checks of docker/Dockerfile (no Docker engine or hadolint here): every base image pinned
 * by exact version or digest, the final stages run as a numeric non-root user, and nothing that
 * builds code (compilers, package managers, dev dependencies) reaches the images the services run.
 */
export interface DockerStage {
  name: string;
  from: string;
  lines: string[];
}

/** Stages in file order, with ARG defaults substituted into FROM. */
export function dockerStages(text: string): DockerStage[] {
  const args = new Map<string, string>();
  const stages: DockerStage[] = [];
  // Continuation lines are joined so that each instruction is one line.
  const instructions = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  for (const line of instructions) {
    const arg = /^ARG\s+([A-Za-z_][A-Za-z0-9_]*)=(\S+)/.exec(line);
    if (arg && stages.length === 0) args.set(arg[1], arg[2]);
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) {
      const image = from[1].replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_m, name: string) => args.get(name) ?? `$${name}`);
      stages.push({ name: from[2] ?? `stage-${stages.length}`, from: image, lines: [] });
      continue;
    }
    stages.at(-1)?.lines.push(line);
  }
  return stages;
}

const BUILD_TOOLS = /\b(gcc|g\+\+|make|python3|build-essential|node-gyp|apt-get install)\b/;

export function dockerfileProblems(text: string): string[] {
  const problems: string[] = [];
  const stages = dockerStages(text);
  if (stages.length === 0) return ['no FROM instruction'];
  const names = new Set(stages.map((s) => s.name));
  // The runtime stages are those no other stage builds on with COPY --from, i.e. the images shipped.
  const copiedFrom = new Set(stages.flatMap((s) => s.lines.map((l) => /--from=(\S+)/.exec(l)?.[1]).filter((n): n is string => !!n)));
  const parentOf = new Map(stages.map((s) => [s.name, s.from]));
  const ancestry = (stage: DockerStage): DockerStage[] => {
    const chain: DockerStage[] = [stage];
    let parent = parentOf.get(stage.name);
    while (parent && names.has(parent)) {
      const next = stages.find((s) => s.name === parent)!;
      chain.push(next);
      parent = parentOf.get(next.name);
    }
    return chain;
  };
  for (const stage of stages) {
    if (names.has(stage.from)) continue;
    const pinned = /@sha256:[a-f0-9]{64}$/.test(stage.from) || /:\d+\.\d+\.\d+[\w.-]*$/.test(stage.from);
    if (!pinned) problems.push(`stage ${stage.name}: base image ${stage.from} is not pinned to an exact version or digest`);
  }
  const finals = stages.filter((s) => !copiedFrom.has(s.name) && !stages.some((o) => o.from === s.name));
  if (finals.length === 0) problems.push('no final stage');
  for (const final of finals) {
    const chain = ancestry(final);
    const lines = chain.flatMap((s) => s.lines);
    const users = lines.filter((l) => /^USER\s/i.test(l));
    const user = users[0]?.split(/\s+/)[1];
    if (!user) problems.push(`final stage ${final.name}: no USER (would run as root)`);
    else if (!/^\d+(:\d+)?$/.test(user)) problems.push(`final stage ${final.name}: USER ${user} is not numeric`);
    else if (user.split(':')[0] === '0') problems.push(`final stage ${final.name}: USER is root`);
    for (const line of lines) {
      if (/^RUN\s/i.test(line) && BUILD_TOOLS.test(line)) problems.push(`final stage ${final.name}: installs or runs build tools: ${line.slice(0, 80)}`);
      if (/^RUN\s.*npm (ci|install)(?!.*--omit=dev)/i.test(line)) problems.push(`final stage ${final.name}: installs npm packages with dev dependencies`);
      const copy = /^COPY\s+--from=(\S+).*\s(\S+)$/i.exec(line);
      if (copy && /node_modules/.test(line) && copy[1] !== 'prod-deps') problems.push(`final stage ${final.name}: node_modules come from ${copy[1]}, not a production-only install`);
    }
    if (!lines.some((l) => /^(CMD|ENTRYPOINT)\s/i.test(l))) problems.push(`final stage ${final.name}: no CMD`);
  }
  return problems;
}
