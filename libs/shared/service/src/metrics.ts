import type { IncomingMessage, ServerResponse } from 'node:http';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Where every service answers Prometheus' scrape, on its main listener. */
export const METRICS_PATH = '/metrics';

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * One service's Prometheus metrics: Node's process metrics, request durations, and whether this
 * replica leads each of its leases. Each service gets its own registry, so several services in one
 * process (tests) do not collide.
 *
 * Labels stay low-cardinality on purpose: a route is its template (`/api/stacks/:orgName/…`), never
 * the path with stack names or ids in it; a request that matched no route is `unmatched`.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly requestDuration: Histogram<'method' | 'route' | 'status'>;
  private readonly leader: Gauge<'lease'>;

  constructor(readonly service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });
    this.requestDuration = new Histogram({
      name: 'stackyard_http_request_duration_seconds',
      help: 'Time from receiving a request to finishing its response, by route template, method and status.',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [this.registry],
    });
    this.leader = new Gauge({
      name: 'stackyard_leader_election_is_leader',
      help: 'Whether this replica holds the lease (1) or not (0), by lease name.',
      labelNames: ['lease'],
      registers: [this.registry],
    });
  }

  /** Records the request's duration once its response has finished (or the client went away). */
  observe(req: IncomingMessage, res: ServerResponse, fixedRoute?: string): void {
    const end = this.requestDuration.startTimer();
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      const method = KNOWN_METHODS.has(req.method ?? '') ? (req.method as string) : 'OTHER';
      end({ method, route: fixedRoute ?? routeTemplate(req), status: String(res.statusCode) });
    };
    res.once('finish', finish);
    res.once('close', finish);
  }

  setLeader(lease: string, leading: boolean): void {
    this.leader.set({ lease }, leading ? 1 : 0);
  }

  contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}

/** Express records the matched route's template on the request; Nest routes all live on one router. */
function routeTemplate(req: IncomingMessage): string {
  const route = (req as IncomingMessage & { route?: { path?: unknown } }).route;
  return typeof route?.path === 'string' ? route.path : 'unmatched';
}
