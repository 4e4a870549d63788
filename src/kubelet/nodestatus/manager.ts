// The node status loop: every --node-status-update-frequency, make sure the Node is registered
// (or, with --register-node=false, wait for an administrator to create it), compute the status and
// PATCH nodes/<name>/status when it changed or the report period passed.
//
// The patch is a two-way strategic merge patch from the status the API server has to the new one
// (with $setElementOrder/conditions), as upstream's PatchNodeStatus: it sends only what changed,
// merges conditions by type, and so does not clobber conditions other components own.
import { isStatusError } from '../../api/errors.ts';
import type { Node, NodeAddress } from '../../api/core/index.ts';
import { createStrategicMergePatch } from '../../api/patch/index.ts';
import { corePath, type ApiClient } from '../client/client.ts';
import type { EventRecorder } from '../client/events.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import { buildNodeStatus, type NodeStatusSettings } from './build.ts';
import { shouldPatchStatus } from './decide.ts';
import type { RuntimeImage } from './images.ts';
import type { MachineInfo, Observations } from './machine.ts';
import { initialNode, registerWithApiServer, type InitialNodeParams } from './register.ts';
import type { NodeStatus, NodeStatusEvent } from './types.ts';

/** Where the status comes from (effectful; faked in tests). */
export interface StatusSources {
  machine: MachineInfo;
  observe(): Promise<Observations>;
  /** undefined when the runtime could not list images. */
  listImages(): Promise<RuntimeImage[] | undefined>;
  runtimeVersion(): string | undefined;
  notReadyErrors(): string[];
  addresses(): NodeAddress[];
}

export interface NodeStatusManagerOptions {
  nodeName: string;
  registerNode: boolean;
  updateFrequencyMs: number;
  reportFrequencyMs: number;
  settings: NodeStatusSettings;
  node: Omit<InitialNodeParams, 'nodeName' | 'status'>;
  api: ApiClient;
  sources: StatusSources;
  events: EventRecorder;
  clock: Clock;
  log: Logger;
  /** Called with the Node whenever the API server returned it (the Lease wants its UID). */
  onNode?: (node: Node) => void;
  /** Observers of registration and status updates (metrics). */
  hooks?: NodeStatusHooks;
}

/** What the manager reports as it goes, for metrics; every callback is optional and must not throw. */
export interface NodeStatusHooks {
  /** Before registering with the API server. */
  registrationAttempt?(): void;
  /** The Node is registered (created, or an existing one taken over). */
  registered?(): void;
  /** One status update attempt: patched, nothing to send (unchanged), or failed; `ready` is the Ready condition sent or held. */
  statusUpdate?(result: 'patched' | 'unchanged' | 'error', ready: boolean | undefined): void;
}

/** Upstream tries a status update this many times per tick before waiting for the next one. */
const updateAttempts = 5;

export class NodeStatusManager {
  private registered = false;
  private lastReportAt?: Date;
  private missingLogged = 0;
  /** Events of the status the kubelet registered with, recorded once registration succeeds. */
  private registrationEvents: NodeStatusEvent[] = [];

  constructor(private readonly o: NodeStatusManagerOptions) {}

  private path(sub?: string): string {
    return corePath('nodes', undefined, this.o.nodeName, sub);
  }

  private async computeStatus(previous: Partial<NodeStatus> | undefined) {
    const s = this.o.sources;
    const [observations, images] = await Promise.all([s.observe(), s.listImages()]);
    return buildNodeStatus({
      now: this.o.clock.now(),
      previous,
      machine: s.machine,
      observations,
      settings: this.o.settings,
      containerRuntimeVersion: s.runtimeVersion(),
      notReadyErrors: s.notReadyErrors(),
      images,
      addresses: s.addresses(),
    });
  }

  /** The Node the kubelet would create right now (status included, as upstream). */
  async initialNode(): Promise<Node> {
    const { status, events } = await this.computeStatus(undefined);
    this.registrationEvents = events;
    return initialNode({ ...this.o.node, nodeName: this.o.nodeName, status });
  }

  /** One tick: register if needed, then update status. Never throws (errors are logged). */
  async sync(signal: AbortSignal): Promise<void> {
    if (this.o.registerNode && !this.registered) {
      this.o.hooks?.registrationAttempt?.();
      this.registered = await registerWithApiServer(this.o.api, () => this.initialNode(), this.o.clock, this.o.log, signal);
      if (!this.registered) return;
      this.o.hooks?.registered?.();
      this.recordEvents(this.registrationEvents);
      this.registrationEvents = [];
    }
    for (let attempt = 1; attempt <= updateAttempts && !signal.aborted; attempt++) {
      try {
        await this.updateOnce(signal);
        return;
      } catch (e) {
        this.o.hooks?.statusUpdate?.('error', undefined);
        if (isStatusError(e, 'NotFound')) return this.nodeMissing();
        this.o.log.error('Error updating node status, will retry', e, { attempt });
      }
    }
  }

  private nodeMissing(): void {
    if (this.o.registerNode) {
      // The Node was deleted under us: register it again on the next tick.
      this.o.log.warn('Node not found; registering it again', { node: this.o.nodeName });
      this.registered = false;
      return;
    }
    if (this.missingLogged++ % 6 === 0) {
      this.o.log.warn('Node not found; not registering it (--register-node=false): waiting for it to be created, status will be reported once it exists', { node: this.o.nodeName });
    }
  }

  private async updateOnce(signal: AbortSignal): Promise<void> {
    const node = await this.o.api.get<Node>(this.path(), { signal });
    this.missingLogged = 0;
    this.o.onNode?.(node);
    const original = node.status as Partial<NodeStatus> | undefined;
    const { status, events } = await this.computeStatus(original);
    const now = this.o.clock.now();
    const ready = status.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
    if (!shouldPatchStatus({ original, updated: status, lastReportAt: this.lastReportAt, now, reportFrequencyMs: this.o.reportFrequencyMs })) {
      this.o.hooks?.statusUpdate?.('unchanged', ready);
      return;
    }
    const patch = createStrategicMergePatch({ status: original ?? {} }, { status }, 'V1Node');
    const patched = await this.o.api.patch(this.path('status'), patch, 'strategic', { signal });
    this.o.onNode?.(patched);
    this.lastReportAt = now;
    this.o.hooks?.statusUpdate?.('patched', ready);
    this.recordEvents(events);
  }

  private recordEvents(events: NodeStatusEvent[]): void {
    for (const ev of events) this.o.events.nodeEvent(ev.type, ev.reason, `Node ${this.o.nodeName} status is now: ${ev.reason}`);
  }

  async run(signal: AbortSignal, onTick?: () => void): Promise<void> {
    while (!signal.aborted) {
      await this.sync(signal);
      onTick?.();
      await this.o.clock.sleep(this.o.updateFrequencyMs, signal);
    }
  }
}
