// What the error stream of a remote command carries, per protocol version (client-go
// tools/remotecommand errorDecoderV2/V4, kubelet cri/streaming/remotecommand writeStatus):
// v4 (and v5) a metav1.Status JSON, Success or Failure, a non-zero exit being reason
// NonZeroExitCode with one cause of type ExitCode whose message is the code; v1-v3 the error's
// text, nothing on success. Pure: exit code ⇄ Status ⇄ bytes.
import type { StatusDetails } from '../errors.ts';

export const StreamProtocolV1 = 'channel.k8s.io';
export const StreamProtocolV2 = 'v2.channel.k8s.io';
export const StreamProtocolV3 = 'v3.channel.k8s.io';
export const StreamProtocolV4 = 'v4.channel.k8s.io';

export const NonZeroExitCodeReason = 'NonZeroExitCode';
export const ExitCodeCauseType = 'ExitCode';

export interface RemoteCommandStatus {
  kind?: 'Status';
  apiVersion?: 'v1';
  metadata?: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  /** NonZeroExitCode for a command's exit, InternalError and friends otherwise. */
  reason?: string;
  details?: StatusDetails;
  code?: number;
}

export const SUCCESS: RemoteCommandStatus = { metadata: {}, status: 'Success' };

/** The Status a command's exit code makes. */
export function exitCodeStatus(code: number): RemoteCommandStatus {
  if (code === 0) return SUCCESS;
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: exit code ${code}`,
    reason: NonZeroExitCodeReason,
    details: { causes: [{ reason: ExitCodeCauseType, message: String(code) }] },
  };
}

/** A Failure that is not an exit (the command could not start, the container is gone…). */
export function failureStatus(message: string, reason = 'InternalError', code = 500): RemoteCommandStatus {
  return { metadata: {}, status: 'Failure', message, reason, code };
}

/** The command's exit code: 0 on Success, the ExitCode cause on NonZeroExitCode, else undefined. */
export function exitCodeOf(status: RemoteCommandStatus): number | undefined {
  if (status.status === 'Success') return 0;
  if (status.reason !== NonZeroExitCodeReason) return undefined;
  const cause = status.details?.causes?.find((c) => c.reason === ExitCodeCauseType);
  const code = cause?.message === undefined ? NaN : Number(cause.message);
  return Number.isInteger(code) ? code : undefined;
}

/** v4 and later (v4.channel.k8s.io, v4.base64.channel.k8s.io, v5…) carry a Status; before, text. */
function isV4OrLater(protocol: string): boolean {
  return /^v[4-9]\./.test(protocol);
}

/** Whether two protocols write the error stream alike (both a Status, or both text). */
export function sameErrorEncoding(a: string, b: string): boolean {
  return isV4OrLater(a) === isV4OrLater(b);
}

/**
 * The error stream's bytes as a peer of protocol `to` reads them, from all that a peer of
 * `from` wrote (a v4 runtime's Status as text for a pre-v4 client).
 */
export function translateErrorStream(from: string, to: string, bytes: Buffer): Buffer {
  if (sameErrorEncoding(from, to)) return bytes;
  return encodeErrorStream(to, decodeErrorStream(from, bytes));
}

/** The bytes a server writes on the error stream when the command ends. */
export function encodeErrorStream(protocol: string, status: RemoteCommandStatus): Buffer {
  if (isV4OrLater(protocol)) return Buffer.from(JSON.stringify(status));
  return Buffer.from(status.status === 'Success' ? '' : status.message ?? 'error executing command');
}

/** What a client makes of the error stream's bytes once it ends (empty: success, as client-go). */
export function decodeErrorStream(protocol: string, bytes: Buffer): RemoteCommandStatus {
  if (!bytes.length) return SUCCESS;
  const text = bytes.toString('utf8');
  if (!isV4OrLater(protocol)) return failureStatus(text, 'InternalError');
  try {
    const status = JSON.parse(text) as RemoteCommandStatus;
    if (status.status === 'Success' || status.status === 'Failure') return status;
  } catch { /* not JSON: fall through */ }
  return failureStatus(`error stream protocol error: ${text}`, 'InternalError');
}
