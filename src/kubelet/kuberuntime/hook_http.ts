// The HTTP client of httpGet lifecycle hooks, as upstream's insecureContainerLifecycleHTTPClient:
// TLS without certificate checks (the kubelet has nothing to verify a pod's certificate against,
// as for probes), redirects followed on the same host only (httpprobe.RedirectChecker(false)),
// no connection kept. Only a failed request is an error; the status code is not looked at.
import { httpGet } from '../httpclient.ts';

/** GETs url with these headers; rejects when the request fails. Injectable for tests. */
export type HookGet = (url: string, headers: Record<string, string>, signal?: AbortSignal) => Promise<void>;

/** Upstream discards at most this much of a hook's response body before closing. */
const maxBodyBytes = 10 * 1024;

export const hookGet: HookGet = async (url, headers, signal) => {
  try {
    await httpGet(url, {
      headers: Object.entries(headers), signal, maxBodyBytes, body: 'discard', rejectUnauthorized: false,
      // Another host's redirect is the answer (Go's ErrUseLastResponse), not an error.
      followRedirect: (next, first) => next.hostname === first.hostname,
    });
  } catch (err) {
    throw new Error(`Get ${JSON.stringify(url)}: ${err instanceof Error ? err.message : String(err)}`);
  }
};
