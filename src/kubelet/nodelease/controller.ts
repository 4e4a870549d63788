// The node Lease (kube-node-lease/<node>): the kubelet's cheap heartbeat, as upstream's lease
// controller. Renewed every quarter of the lease duration with a PUT of the last Lease it wrote
// (no GET on the happy path); on failure it gets or creates the Lease again with a backoff
// (100 ms doubling to 7 s) and retries the update up to 5 times.
import { isStatusError } from '../../api/errors.ts';
import type { Lease } from '../../api/core/index.ts';
import { rfc3339Micro } from '../../api/object.ts';
import { Backoff } from '../backoff.ts';
import { groupPath, type ApiClient } from '../client/client.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';

export const leaseNamespace = 'kube-node-lease';
/** Upstream renews every quarter of the duration (40 s → 10 s). */
export const renewIntervalFraction = 0.25;
const maxUpdateRetries = 5;

export interface LeaseParams {
  nodeName: string;
  durationSeconds: number;
  now: Date;
  /** The Node's UID once known: the Lease is then owned by the Node (and goes away with it). */
  nodeUid?: string;
}

/** The Lease to write: base (the last one seen) renewed now, or a new one. Pure. */
export function renewedLease(base: Lease | undefined, p: LeaseParams): Lease {
  const lease: Lease = base
    ? structuredClone(base)
    : { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: p.nodeName, namespace: leaseNamespace } };
  lease.spec = { ...(lease.spec ?? {}), holderIdentity: p.nodeName, leaseDurationSeconds: p.durationSeconds, renewTime: rfc3339Micro(p.now) };
  if (p.nodeUid && !(lease.metadata.ownerReferences ?? []).some((r) => r.kind === 'Node' && r.uid === p.nodeUid)) {
    lease.metadata.ownerReferences = [{ apiVersion: 'v1', kind: 'Node', name: p.nodeName, uid: p.nodeUid }];
  }
  return lease;
}

export interface NodeLeaseOptions {
  api: ApiClient;
  nodeName: string;
  durationSeconds: number;
  clock: Clock;
  log: Logger;
  nodeUid: () => string | undefined;
}

export class NodeLeaseController {
  private latest?: Lease;

  constructor(private readonly o: NodeLeaseOptions) {}

  get renewIntervalMs(): number {
    return this.o.durationSeconds * 1000 * renewIntervalFraction;
  }

  private get path(): string {
    return groupPath('coordination.k8s.io/v1', 'leases', leaseNamespace, this.o.nodeName);
  }

  private params(): LeaseParams {
    return { nodeName: this.o.nodeName, durationSeconds: this.o.durationSeconds, now: this.o.clock.now(), nodeUid: this.o.nodeUid() };
  }

  /** One renewal; errors are logged, never thrown. */
  async sync(signal: AbortSignal): Promise<void> {
    if (this.latest) {
      try {
        this.latest = await this.o.api.update(this.path, renewedLease(this.latest, this.params()), { signal });
        return;
      } catch (e) {
        if (signal.aborted) return;
        this.o.log.error('Failed to update lease using latest lease, fallback to ensure lease', e);
      }
    }
    const ensured = await this.backoffEnsureLease(signal);
    if (!ensured) return;
    if (ensured.created) return; // a Lease created just now is fresh
    await this.retryUpdate(ensured.lease, signal);
  }

  private async backoffEnsureLease(signal: AbortSignal): Promise<{ lease: Lease; created: boolean } | undefined> {
    const backoff = new Backoff({ initialMs: 100, maxMs: 7_000 });
    while (!signal.aborted) {
      try {
        return await this.ensureLease(signal);
      } catch (e) {
        if (signal.aborted) return undefined;
        this.o.log.error('Failed to ensure lease exists, will retry', e, { lease: `${leaseNamespace}/${this.o.nodeName}` });
        await this.o.clock.sleep(backoff.next(), signal);
      }
    }
    return undefined;
  }

  private async ensureLease(signal: AbortSignal): Promise<{ lease: Lease; created: boolean }> {
    try {
      return { lease: await this.o.api.get(this.path, { signal }), created: false };
    } catch (e) {
      if (!isStatusError(e, 'NotFound')) throw e;
    }
    this.latest = await this.o.api.create(groupPath('coordination.k8s.io/v1', 'leases', leaseNamespace), renewedLease(undefined, this.params()), { signal });
    return { lease: this.latest, created: true };
  }

  private async retryUpdate(base: Lease, signal: AbortSignal): Promise<void> {
    for (let i = 0; i < maxUpdateRetries && !signal.aborted; i++) {
      try {
        this.latest = await this.o.api.update(this.path, renewedLease(base, this.params()), { signal });
        return;
      } catch (e) {
        this.o.log.error('Failed to update lease', e);
        if (isStatusError(e, 'Conflict')) {
          const again = await this.backoffEnsureLease(signal);
          if (!again) return;
          base = again.lease;
        }
      }
    }
    this.o.log.error(`failed ${maxUpdateRetries} attempts to update lease`);
  }

  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.sync(signal);
      await this.o.clock.sleep(this.renewIntervalMs, signal);
    }
  }
}
