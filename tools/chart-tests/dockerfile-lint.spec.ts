import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dockerfileProblems } from './dockerfile-lint';

describe('dockerfileProblems', () => {
  const good = [
    'ARG NODE_IMAGE=docker.io/library/node:24.21.0-bookworm-slim',
    'FROM ${NODE_IMAGE} AS build',
    'RUN apt-get install -y g++ && npm ci',
    'FROM ${NODE_IMAGE} AS prod-deps',
    'RUN npm ci --omit=dev',
    'FROM ${NODE_IMAGE} AS runtime',
    'COPY --from=prod-deps /src/node_modules ./node_modules',
    'COPY --from=build /src/dist ./dist',
    'USER 10001:10001',
    'FROM runtime AS api',
    'CMD ["node", "dist/apps/api/src/main.js"]',
  ].join('\n');

  void it('accepts a pinned, non-root, multi-stage file', () => {
    assert.deepEqual(dockerfileProblems(good), []);
  });

  void it('refuses a floating base image', () => {
    assert.match(dockerfileProblems(good.replace('node:24.21.0-bookworm-slim', 'node:24-slim')).join('\n'), /not pinned/);
    assert.match(dockerfileProblems(good.replace('node:24.21.0-bookworm-slim', 'node:latest')).join('\n'), /not pinned/);
  });

  void it('refuses a final image running as root or a named user', () => {
    assert.match(dockerfileProblems(good.replace('USER 10001:10001', 'USER 0')).join('\n'), /USER is root/);
    assert.match(dockerfileProblems(good.replace('USER 10001:10001', 'USER node')).join('\n'), /not numeric/);
    assert.match(dockerfileProblems(good.replace('USER 10001:10001\n', '')).join('\n'), /no USER/);
  });

  void it('refuses build tools or dev dependencies in the final image', () => {
    assert.match(dockerfileProblems(good.replace('USER 10001:10001', 'RUN apt-get install -y gcc\nUSER 10001:10001')).join('\n'), /build tools/);
    assert.match(dockerfileProblems(good.replace('--from=prod-deps', '--from=build')).join('\n'), /not a production-only install/);
  });
});
