// The server-side actions behind pods/binding, pods/eviction (eviction.ts), serviceaccounts/token,
// TokenReview and SubjectAccessReview.
import type { Binding, Pod, PodDisruptionBudget, ServiceAccount } from '../api/core/index.ts';
import { errors } from '../api/errors.ts';
import { numberOf, recordOf, stringOf, stringsOf } from '../api/json.ts';
import { rfc3339, type KubeObject } from '../api/object.ts';
import type { Authenticator } from './auth/authn.ts';
import type { Authorizer } from './auth/authz.ts';
import type { Pki } from '../pki/pki.ts';
import { reviewAccess, reviewToken } from './auth/reviews.ts';
import { issueServiceAccountToken } from './auth/tokens.ts';
import type { SubresourceHandlers } from './http/subresources.ts';
import type { Store } from './registry/store.ts';
import { applyBinding } from './registry/strategies/pod.ts';
import { createEviction } from './eviction.ts';

export interface SubresourceDeps {
  pods: Store<Pod>;
  podDisruptionBudgets: Store<PodDisruptionBudget>;
  serviceAccounts: Store<ServiceAccount>;
  authenticator: Authenticator;
  authorizer: Authorizer;
  pki: Pki;
  now?: () => Date;
}

/** A Binding body as the pods/binding subresource reads it: a target of string kind and name (anything else is a bad request). */
export function bindingFrom(body: KubeObject & { target?: unknown }): Binding {
  const target = recordOf(body.target);
  const kind = target.kind ?? undefined;
  const name = target.name ?? undefined;
  if ((kind !== undefined && typeof kind !== 'string') || (name !== undefined && typeof name !== 'string')) {
    throw errors.badRequest('Binding in version "v1" cannot be handled as a Binding: target.kind and target.name must be strings');
  }
  return { ...body, target: { ...target, kind, name } };
}

/** What the response to a TokenRequest holds (authentication.k8s.io/v1). */
export interface TokenRequest {
  kind: 'TokenRequest';
  apiVersion: 'authentication.k8s.io/v1';
  metadata: { name: string; namespace: string; creationTimestamp: null };
  spec: Record<string, unknown>;
  status: { token: string; expirationTimestamp: string };
}

/** Upstream's default and bounds for TokenRequest expirationSeconds. */
const defaultTokenSeconds = 3600;
const minTokenSeconds = 600;

export function createSubresourceHandlers(d: SubresourceDeps): SubresourceHandlers {
  const now = d.now ?? (() => new Date());
  return {
    async bind(namespace, podName, body, admit) {
      const binding = bindingFrom(body);
      if (!binding.target.name) throw errors.invalid('', 'Binding', binding.metadata?.name ?? podName, [{ type: 'FieldValueRequired', field: 'target.name' }]);
      await d.pods.guaranteedUpdate(
        namespace,
        podName,
        (pod) => {
          const bound = applyBinding(pod, binding);
          admit(bound, pod);
          return bound;
        },
        'binding',
      );
    },

    async token(namespace, serviceAccount, request): Promise<TokenRequest> {
      const sa = await d.serviceAccounts.get(namespace, serviceAccount);
      const spec = recordOf(request.spec);
      const audiences = stringsOf(spec.audiences);
      const expirationSeconds = numberOf(spec.expirationSeconds) ?? defaultTokenSeconds;
      if (expirationSeconds < minTokenSeconds) {
        throw errors.invalid('authentication.k8s.io', 'TokenRequest', serviceAccount, [
          { type: 'FieldValueInvalid', field: 'spec.expirationSeconds', value: expirationSeconds, detail: 'may not specify a duration less than 10 minutes' },
        ]);
      }
      let boundPod: { name: string; uid: string } | undefined;
      const ref = recordOf(spec.boundObjectRef);
      const refName = stringOf(ref.name);
      if (ref.kind === 'Pod' && refName) {
        const pod = await d.pods.get(namespace, refName);
        if (ref.uid && ref.uid !== pod.metadata.uid) {
          throw errors.conflict({ group: '', resource: 'pods' }, pod.metadata.name!, `the UID in the bound object reference (${String(ref.uid)}) does not match the UID in record. The object might have been deleted and then recreated`);
        }
        boundPod = { name: pod.metadata.name!, uid: pod.metadata.uid! };
      }
      const issuedAt = now();
      const token = await issueServiceAccountToken(d.pki.saPrivateKeyPem, {
        namespace,
        serviceAccountName: serviceAccount,
        serviceAccountUid: sa.metadata.uid!,
        audiences: audiences?.length ? audiences : ['https://kubernetes.default.svc.cluster.local'],
        expirationSeconds,
        boundPod,
        now: issuedAt,
      });
      return {
        kind: 'TokenRequest',
        apiVersion: 'authentication.k8s.io/v1',
        metadata: { name: serviceAccount, namespace, creationTimestamp: null },
        spec: { ...spec, expirationSeconds },
        status: { token, expirationTimestamp: rfc3339(new Date(issuedAt.getTime() + expirationSeconds * 1000)) },
      };
    },

    evict: createEviction({ pods: d.pods, podDisruptionBudgets: d.podDisruptionBudgets, now }),

    tokenReview: (review) => reviewToken(d.authenticator, review),
    accessReview: async (review) => reviewAccess(d.authorizer, review),
  };
}
