import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import type { InternalClient } from '@stackyard/shared-http';
import type { ObjectStore } from '@stackyard/shared-storage';
import { AUTH_MODE, type AuthMode } from '../auth.decorators';
import { StacksProtocolModule } from '../stacks-protocol.module';
import { buildPulumiSpec } from './pulumi-spec.document';
import { type OperationAuth, PULUMI_SPEC_OPERATIONS } from './pulumi-spec.operations';

/** `/api/stacks/:org/:project` and `/api/stacks/{orgName}/{projectName}` both become `/api/stacks/{}/{}`. */
const shape = (path: string) => path.replace(/:[A-Za-z]\w*/g, '{}').replace(/\{[^}]+\}/g, '{}');

interface RegisteredRoute {
  method: string;
  path: string;
}

/** Every route Express holds once Nest has mounted the api's module. */
function registeredRoutes(app: INestApplication): RegisteredRoute[] {
  const express = app.getHttpAdapter().getInstance() as { router?: { stack: unknown[] }; _router?: { stack: unknown[] } };
  const layers = (express.router ?? express._router)?.stack ?? [];
  return layers.flatMap((layer) => {
    const route = (layer as { route?: { path: string; methods: Record<string, boolean> } }).route;
    if (!route) return [];
    const methods = Object.keys(route.methods).filter((m) => route.methods[m]);
    // `@All` registers every method Express knows: one entry stands for all of them.
    if (methods.length > 10) return [{ method: 'all', path: route.path }];
    return methods.map((method) => ({ method, path: route.path }));
  });
}

/** What each handler declares about authentication, keyed like the routes above. */
function declaredAuth(): Map<string, AuthMode> {
  const declared = new Map<string, AuthMode>();
  for (const controller of StacksProtocolModule.register({ settings: {} } as never).controllers ?? []) {
    const prototype = controller.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const handler = prototype[name];
      if (name === 'constructor' || typeof handler !== 'function' || !Reflect.hasMetadata(METHOD_METADATA, handler)) continue;
      const method = ['get', 'post', 'put', 'delete', 'patch', 'all', 'options', 'head'][Reflect.getMetadata(METHOD_METADATA, handler) as number] ?? '?';
      const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
      const mode = ((Reflect.getMetadata(AUTH_MODE, handler) as AuthMode | undefined) ?? (Reflect.getMetadata(AUTH_MODE, controller) as AuthMode | undefined)) ?? 'token';
      const paths = Reflect.getMetadata(PATH_METADATA, handler) as string | string[];
      for (const sub of Array.isArray(paths) ? paths : [paths]) {
        const full = `/${[base, sub].filter((p) => p && p !== '/').join('/')}`.replace(/\/+/g, '/');
        declared.set(`${method} ${shape(full)}`, mode);
      }
    }
  }
  return declared;
}

/** Whether a route is the api's own business with other services, never part of the public API. */
const isInternal = (path: string) => path.startsWith('/internal/');

/** The api's SCIM relay answers every method under `/scim/v2/{org}/…`; the document lists SCIM's operations there. */
function coveredByWildcard(route: RegisteredRoute, documented: Array<{ method: string; path: string }>): boolean {
  if (route.method !== 'all') return false;
  const prefix = shape(route.path.replace(/\/\*\w*$/, ''));
  return documented.some((d) => shape(d.path).startsWith(`${prefix}/`));
}

void describe('OpenAPI document completeness: every public route of the api is documented, and nothing else', () => {
  let app: INestApplication;

  before(async () => {
    // Mounting routes does no I/O: the database, object store and peers are never reached here.
    const dataSource = new DataSource({ type: 'better-sqlite3', database: ':memory:' });
    app = await NestFactory.create(
      StacksProtocolModule.register({ dataSource, objectStore: {} as ObjectStore, identity: {} as InternalClient, secrets: {} as InternalClient, settings: { leaseSeconds: 300, principalCacheSeconds: 5 } }),
      { logger: false, bodyParser: false },
    );
    await app.listen(0, '127.0.0.1');
  });

  after(async () => {
    await app.close();
  });

  void it('documents every registered public route', () => {
    const documented = PULUMI_SPEC_OPERATIONS.map((o) => ({ method: o.method, path: o.path }));
    const documentedKeys = new Set(documented.map((d) => `${d.method} ${shape(d.path)}`));
    const routes = registeredRoutes(app).filter((r) => !isInternal(r.path));
    assert.ok(routes.length > 80, `only ${routes.length} routes found: is the module mounted?`);
    const missing = routes.filter((r) => !documentedKeys.has(`${r.method} ${shape(r.path)}`) && !coveredByWildcard(r, documented)).map((r) => `${r.method.toUpperCase()} ${r.path}`);
    assert.deepEqual(missing, [], `routes the api serves that libs/stacks/feature-protocol/src/openapi/pulumi-spec.operations.ts does not document:\n  ${missing.join('\n  ')}`);
  });

  void it('documents nothing the api does not serve', () => {
    const routes = registeredRoutes(app);
    const served = new Set(routes.map((r) => `${r.method} ${shape(r.path)}`));
    const wildcards = routes.filter((r) => r.method === 'all').map((r) => shape(r.path.replace(/\/\*\w*$/, '')));
    const extra = PULUMI_SPEC_OPERATIONS.filter((o) => !served.has(`${o.method} ${shape(o.path)}`) && !wildcards.some((w) => shape(o.path).startsWith(`${w}/`))).map(
      (o) => `${o.method.toUpperCase()} ${o.path} (${o.operationId})`,
    );
    assert.deepEqual(extra, [], `documented operations no route serves:\n  ${extra.join('\n  ')}`);
  });

  void it("states each operation's authentication as its handler declares it", () => {
    const declared = declaredAuth();
    const expected = (mode: AuthMode, path: string): OperationAuth => (mode === 'public' && path.startsWith('/scim/') ? 'scim-bearer' : mode);
    const wrong = PULUMI_SPEC_OPERATIONS.flatMap((o) => {
      const key = `${o.method} ${shape(o.path)}`;
      // Every SCIM operation is answered by the one relay handler.
      const mode = declared.get(o.path.startsWith('/scim/v2/') ? `all ${shape('/scim/v2/:org/*path')}` : key);
      if (mode === undefined) return [`${key}: no handler found`];
      return expected(mode, o.path) === o.auth ? [] : [`${o.method.toUpperCase()} ${o.path}: document says ${o.auth}, handler declares ${mode}`];
    });
    assert.deepEqual(wrong, []);
  });

  void it('serves the document publicly at GET /api/openapi/pulumi-spec.json', async () => {
    const { port } = (app.getHttpServer() as import('node:http').Server).address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}/api/openapi/pulumi-spec.json`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(await response.json(), JSON.parse(JSON.stringify(buildPulumiSpec())));
  });
});
