import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import 'reflect-metadata';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { AUTH_MODE, AUTHORIZATION, type AuthMode, type Authorization } from './auth.decorators';
import { type StacksProtocolDependencies, StacksProtocolModule } from './stacks-protocol.module';

/** Every route of the api, as Nest will register it: controller, handler name, and what it declares. */
function routes() {
  const controllers = StacksProtocolModule.register({ settings: {} } as StacksProtocolDependencies).controllers ?? [];
  return controllers.flatMap((controller) => {
    const prototype = controller.prototype as Record<string, unknown>;
    return Object.getOwnPropertyNames(prototype)
      .filter((name) => name !== 'constructor' && typeof prototype[name] === 'function' && Reflect.hasMetadata(METHOD_METADATA, prototype[name] as object))
      .map((name) => {
        const handler = prototype[name] as object;
        const pick = <T>(key: string): T | undefined => (Reflect.getMetadata(key, handler) as T | undefined) ?? (Reflect.getMetadata(key, controller) as T | undefined);
        return {
          route: `${controller.name}.${name} (${String(Reflect.getMetadata(PATH_METADATA, controller))}/${String(Reflect.getMetadata(PATH_METADATA, handler))})`,
          mode: pick<AuthMode>(AUTH_MODE) ?? 'token',
          authorization: pick<Authorization>(AUTHORIZATION),
        };
      });
  });
}

void describe('route authorization declarations', () => {
  void it('has every access-token route declare what it authorizes (the guard refuses routes that do not)', () => {
    const all = routes();
    assert.ok(all.length > 40, `found ${all.length} routes`);
    const undeclared = all.filter((r) => (r.mode === 'token' || r.mode === 'token-or-update-token') && !r.authorization).map((r) => r.route);
    assert.deepEqual(undeclared, []);
  });

  void it('keeps deliberately public routes few and named', () => {
    const publicRoutes = routes()
      .filter((r) => r.mode === 'public')
      .map((r) => r.route.split(' ')[0]);
    for (const route of publicRoutes) assert.match(route, /^(UserController\.capabilities|OAuthTokenController\.|ScimController\.|OpenApi\w*Controller\.|Metrics\w*Controller\.)/, `unexpected public route ${route}`);
  });
});
