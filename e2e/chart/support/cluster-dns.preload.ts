import dns from 'node:dns';

/**
 * Preloaded (`NODE_OPTIONS=--require …/cluster-dns.preload.js`) into the service processes of the
 * chart-driven e2e test. In a cluster, kube-dns answers `<service>.<namespace>.svc[.cluster.local]`
 * with the Service's address; on this machine every "pod" runs on loopback, so those names resolve
 * to 127.0.0.1 and the Service port the manifests name is the container port the service listens
 * on (the test renders the chart so that the two are equal). Every other name goes to the real
 * resolver untouched. Only `dns.lookup` is patched: it is what `net`/`tls` connections use.
 */
const CLUSTER_SERVICE_NAME = /\.svc(\.cluster\.local)?\.?$/i;
const LOOPBACK = '127.0.0.1';

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;

const resolverLookup = dns.lookup;

function clusterLookup(hostname: string, options: unknown, callback?: LookupCallback): void {
  const done = (typeof options === 'function' ? options : callback) as LookupCallback;
  const opts = typeof options === 'object' && options !== null ? (options as dns.LookupOptions) : {};
  if (typeof hostname === 'string' && CLUSTER_SERVICE_NAME.test(hostname)) {
    process.nextTick(() => (opts.all ? done(null, [{ address: LOOPBACK, family: 4 }]) : done(null, LOOPBACK, 4)));
    return;
  }
  (resolverLookup as (...args: unknown[]) => void).call(dns, hostname, options, callback);
}

dns.lookup = clusterLookup as unknown as typeof dns.lookup;
