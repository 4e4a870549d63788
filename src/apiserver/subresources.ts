// The server-side actions behind pods/binding, serviceaccounts/token, TokenReview and
// SubjectAccessReview.
import { errors } from '../api/errors.ts';
import { rfc3339, type KubeObject } from '../api/object.ts';
import type { Authenticator } from './auth/authn.ts';
import type { Authorizer } from './auth/authz.ts';
import type { Pki } from '../pki/pki.ts';
import { reviewAccess, reviewToken } from './auth/reviews.ts';
import { issueServiceAccountToken } from './auth/tokens.ts';
import type { SubresourceHandlers } from './http/subresources.ts';
import type { Store } from './registry/store.ts';
import { applyBinding } from './registry/strategies/pod.ts';

export interface SubresourceDeps {
  store(group: string, resource: string): Store;
  authenticator: Authenticator;
  authorizer: Authorizer;
  pki: Pki;
  now?: () => Date;
}

/** Upstream's default and bounds for TokenRequest expirationSeconds. */
const defaultTokenSeconds = 3600;
const minTokenSeconds = 600;

export function createSubresourceHandlers(d: SubresourceDeps): SubresourceHandlers {
  const now = d.now ?? (() => new Date());
  return {
    async bind(namespace, podName, binding, admit) {
      const target = binding.target as { kind?: string; name?: string } | undefined;
      if (!target?.name) throw errors.invalid('', 'Binding', binding.metadata?.name ?? podName, [{ type: 'FieldValueRequired', field: 'target.name' }]);
      await d.store('', 'pods').guaranteedUpdate(
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

    async token(namespace, serviceAccount, request) {
      const sa = await d.store('', 'serviceaccounts').get(namespace, serviceAccount);
      const spec = (request.spec ?? {}) as { audiences?: string[]; expirationSeconds?: number; boundObjectRef?: { kind?: string; name?: string; uid?: string } };
      const expirationSeconds = spec.expirationSeconds ?? defaultTokenSeconds;
      if (expirationSeconds < minTokenSeconds) {
        throw errors.invalid('authentication.k8s.io', 'TokenRequest', serviceAccount, [
          { type: 'FieldValueInvalid', field: 'spec.expirationSeconds', value: expirationSeconds, detail: 'may not specify a duration less than 10 minutes' },
        ]);
      }
      let boundPod: { name: string; uid: string } | undefined;
      if (spec.boundObjectRef?.kind === 'Pod' && spec.boundObjectRef.name) {
        const pod = await d.store('', 'pods').get(namespace, spec.boundObjectRef.name);
        if (spec.boundObjectRef.uid && spec.boundObjectRef.uid !== pod.metadata.uid) {
          throw errors.conflict({ group: '', resource: 'pods' }, pod.metadata.name!, `the UID in the bound object reference (${spec.boundObjectRef.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
        }
        boundPod = { name: pod.metadata.name!, uid: pod.metadata.uid! };
      }
      const issuedAt = now();
      const token = await issueServiceAccountToken(d.pki.saPrivateKeyPem, {
        namespace,
        serviceAccountName: serviceAccount,
        serviceAccountUid: sa.metadata.uid!,
        audiences: spec.audiences?.length ? spec.audiences : ['https://kubernetes.default.svc.cluster.local'],
        expirationSeconds,
        boundPod,
        now: issuedAt,
      });
      return {
        kind: 'TokenRequest',
        apiVersion: 'authentication.k8s.io/v1',
        metadata: { name: serviceAccount, namespace, creationTimestamp: null as unknown as string },
        spec: { ...spec, expirationSeconds },
        status: { token, expirationTimestamp: rfc3339(new Date(issuedAt.getTime() + expirationSeconds * 1000)) },
      } as KubeObject;
    },

    tokenReview: (review) => reviewToken(d.authenticator, review),
    accessReview: async (review) => reviewAccess(d.authorizer, review),
  };
}
