// The kinds a client posts to ask the API server something, as plain JSON: authentication.k8s.io/v1
// TokenReview (whose token is this?) and TokenRequest (a service account token, please), and
// authorization.k8s.io/v1 SubjectAccessReview (may this user do this?). The answer is the object
// with its status set.
import type { KubeObject, ObjectMeta } from './object.ts';

/** Upstream's authentication/v1 UserInfo. */
export interface ReviewUserInfo {
  username: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

export interface TokenReview extends KubeObject {
  metadata: ObjectMeta;
  spec: { token: string; audiences?: string[] };
  status?: { authenticated?: boolean; user?: ReviewUserInfo; audiences?: string[]; error?: string };
}

export interface ResourceAttributes {
  namespace?: string;
  verb?: string;
  group?: string;
  version?: string;
  resource?: string;
  subresource?: string;
  name?: string;
}
export interface NonResourceAttributes { path?: string; verb?: string }

export interface SubjectAccessReview extends KubeObject {
  metadata: ObjectMeta;
  spec: {
    resourceAttributes?: ResourceAttributes;
    nonResourceAttributes?: NonResourceAttributes;
    user?: string;
    uid?: string;
    groups?: string[];
    extra?: Record<string, string[]>;
  };
  status?: { allowed: boolean; denied?: boolean; reason?: string; evaluationError?: string };
}

/** authentication.k8s.io/v1 TokenRequest: a service account token, posted to serviceaccounts/<name>/token. */
export interface TokenRequest extends KubeObject {
  metadata: ObjectMeta;
  spec: {
    audiences?: string[];
    expirationSeconds?: number;
    boundObjectRef?: { apiVersion?: string; kind?: string; name?: string; uid?: string };
  };
  status?: { token: string; expirationTimestamp: string };
}
