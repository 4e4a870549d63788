// Request authentication as kube-apiserver's union of authenticators: x509 client
// certificates (verified by the TLS layer against the client CA), static bearer tokens from
// --token-auth-file, and service-account JWTs. No credentials → undefined (the caller
// answers 401 or treats the request as anonymous); bad credentials → a 401 StatusError.
import type { IncomingMessage } from 'node:http';
import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { errors, StatusError } from '../../api/errors.ts';
import { loadTokenFile, type StaticTokenUser } from './tokenfile.ts';
import { claimsIssuer, defaultIssuer, importPublicKey, serviceAccountUsername, TokenError, verifyServiceAccountToken, type ServiceAccountClaims } from './tokens.ts';

export interface UserInfo {
  name: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export interface TokenAuthResult {
  user: UserInfo;
  /** The audiences the token was accepted for (the intersection with what was asked). */
  audiences: string[];
}

export interface Authenticator {
  authenticate(req: IncomingMessage): Promise<UserInfo | undefined>;
  /** A bearer token alone, as TokenReview asks; throws a 401 StatusError that says why. */
  authenticateToken(token: string, audiences?: string[]): Promise<TokenAuthResult>;
}

export interface AuthenticatorOptions {
  clientCaPem: string;
  tokenAuthFile?: string;
  serviceAccountPublicKeyPem: string;
  serviceAccountIssuer?: string;
  /** --api-audiences; defaults to the issuer, as upstream. */
  apiAudiences?: string[];
  /** Rejects tokens of deleted (or recreated) service accounts. */
  lookupServiceAccount?: (namespace: string, name: string) => { uid: string } | undefined;
  /** Rejects tokens bound to deleted (or recreated) pods. */
  lookupPod?: (namespace: string, name: string) => { uid: string } | undefined;
  now?: () => Date;
}

export const groups = {
  authenticated: 'system:authenticated',
  serviceAccounts: 'system:serviceaccounts',
  masters: 'system:masters',
  nodes: 'system:nodes',
  /** Upstream's system:monitoring ClusterRoleBinding subject: may read /metrics and the health checks. */
  monitoring: 'system:monitoring',
} as const;

/** Every authenticated user is in system:authenticated, exactly once. */
function withAuthenticated(user: UserInfo): UserInfo {
  return user.groups.includes(groups.authenticated) ? user : { ...user, groups: [...user.groups, groups.authenticated] };
}

/** The user a client certificate names: CN is the user, each O a group. */
export function userFromCertificateSubject(subject: { CN?: string | string[]; O?: string | string[] }): UserInfo | undefined {
  const cn = Array.isArray(subject.CN) ? subject.CN[0] : subject.CN;
  if (!cn) return undefined;
  const orgs = subject.O === undefined ? [] : Array.isArray(subject.O) ? subject.O : [subject.O];
  return { name: cn, groups: [...orgs] };
}

const clientAuthOid = '1.3.6.1.5.5.7.3.2';

interface CertificateVerdict {
  user: UserInfo | StatusError;
  notAfterMs: number;
}

/**
 * A connection's certificate does not change, and parsing it costs about a millisecond, so the
 * verdict is kept per TLS socket (kubelets and controllers reuse their connections). Expiry is
 * still checked on every request, as upstream verifies at request time.
 */
const verdictBySocket = new WeakMap<TLSSocket, CertificateVerdict | null>();

/** undefined: no certificate; a UserInfo or a StatusError otherwise. */
function certificateUser(req: IncomingMessage, nowMs: number): UserInfo | StatusError | undefined {
  const socket = req.socket as TLSSocket;
  if (typeof socket.getPeerCertificate !== 'function') return undefined;
  let verdict = verdictBySocket.get(socket);
  if (verdict === undefined) {
    verdict = verifyPeer(socket);
    verdictBySocket.set(socket, verdict);
  }
  if (verdict === null) return undefined;
  if (nowMs > verdict.notAfterMs) return errors.unauthorized('x509: certificate has expired or is not yet valid');
  return verdict.user;
}

function verifyPeer(socket: TLSSocket): CertificateVerdict | null {
  const peer = socket.getPeerCertificate();
  if (!peer || !peer.raw) return null;
  const notAfterMs = Date.parse(peer.valid_to);
  if (!socket.authorized) return { user: errors.unauthorized(`x509: ${String(socket.authorizationError ?? 'certificate not trusted')}`), notAfterMs };
  // Like Go's x509 verification with ExtKeyUsageClientAuth: a cert limited to other uses is refused.
  const usages = new X509Certificate(peer.raw).keyUsage;
  if (usages && usages.length && !usages.includes(clientAuthOid)) return { user: errors.unauthorized('x509: certificate specifies an incompatible key usage'), notAfterMs };
  const user = userFromCertificateSubject(peer.subject as { CN?: string | string[]; O?: string | string[] });
  return { user: user ? withAuthenticated(user) : errors.unauthorized('x509: certificate has no common name'), notAfterMs };
}

/** The token of an `Authorization: Bearer <token>` header; a malformed header is no credential. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : undefined;
}

function serviceAccountUser(c: ServiceAccountClaims): UserInfo {
  const extra: Record<string, string[]> = {};
  if (c.pod) {
    extra['authentication.kubernetes.io/pod-name'] = [c.pod.name];
    extra['authentication.kubernetes.io/pod-uid'] = [c.pod.uid];
  }
  if (c.node) {
    extra['authentication.kubernetes.io/node-name'] = [c.node.name];
    extra['authentication.kubernetes.io/node-uid'] = [c.node.uid];
  }
  if (c.jti) extra['authentication.kubernetes.io/credential-id'] = [`JTI=${c.jti}`];
  return {
    name: serviceAccountUsername(c.namespace, c.serviceAccountName),
    uid: c.serviceAccountUid,
    groups: [groups.serviceAccounts, `${groups.serviceAccounts}:${c.namespace}`],
    ...(Object.keys(extra).length ? { extra } : {}),
  };
}

function staticUser(u: StaticTokenUser): UserInfo {
  return { name: u.name, ...(u.uid ? { uid: u.uid } : {}), groups: [...u.groups] };
}

export function createAuthenticator(opts: AuthenticatorOptions): Authenticator {
  const issuer = opts.serviceAccountIssuer ?? defaultIssuer;
  const apiAudiences = opts.apiAudiences?.length ? opts.apiAudiences : [issuer];
  const staticTokens = opts.tokenAuthFile ? loadTokenFile(opts.tokenAuthFile) : new Map<string, StaticTokenUser>();
  const now = opts.now ?? (() => new Date());
  let saKey: Promise<CryptoKey> | undefined; // imported on first use, then reused

  /** Checks that the objects the token is bound to still exist with the same UIDs. */
  function checkBindings(c: ServiceAccountClaims): void {
    if (opts.lookupServiceAccount) {
      const sa = opts.lookupServiceAccount(c.namespace, c.serviceAccountName);
      if (!sa) throw new TokenError(`service account ${c.namespace}/${c.serviceAccountName} has been deleted`);
      if (sa.uid !== c.serviceAccountUid) throw new TokenError(`service account UID (${c.serviceAccountUid}) does not match claim (${sa.uid})`);
    }
    if (c.pod && opts.lookupPod) {
      const pod = opts.lookupPod(c.namespace, c.pod.name);
      if (!pod) throw new TokenError(`pod ${c.namespace}/${c.pod.name} has been deleted`);
      if (pod.uid !== c.pod.uid) throw new TokenError(`pod UID (${pod.uid}) does not match claim (${c.pod.uid})`);
    }
  }

  async function authenticateToken(token: string, audiences?: string[]): Promise<TokenAuthResult> {
    const wanted = audiences?.length ? audiences : apiAudiences;
    const fixed = staticTokens.get(token);
    if (fixed) {
      // Static tokens carry no audience: they are good for the API server's own audiences only.
      const accepted = wanted.filter((a) => apiAudiences.includes(a));
      if (!accepted.length) throw errors.unauthorized('token audiences are invalid for the target audiences');
      return { user: withAuthenticated(staticUser(fixed)), audiences: accepted };
    }
    if (claimsIssuer(token, issuer)) {
      try {
        const claims = await verifyServiceAccountToken(await (saKey ??= importPublicKey(opts.serviceAccountPublicKeyPem)), token, { issuer, audiences: wanted, now: now() });
        checkBindings(claims);
        return { user: withAuthenticated(serviceAccountUser(claims)), audiences: claims.audiences };
      } catch (e) {
        if (e instanceof TokenError) throw errors.unauthorized(`invalid bearer token, ${e.message}`);
        throw e;
      }
    }
    throw errors.unauthorized('invalid bearer token');
  }

  return {
    authenticateToken,
    async authenticate(req) {
      const cert = certificateUser(req, now().getTime());
      if (cert && !(cert instanceof StatusError)) return cert;
      const token = bearerToken(req);
      if (token !== undefined) {
        try {
          return (await authenticateToken(token)).user;
        } catch (e) {
          // The details go to logs and TokenReview, never to the client, as upstream.
          if (e instanceof StatusError && e.code === 401) throw errors.unauthorized();
          throw e;
        }
      }
      if (cert) throw errors.unauthorized();
      return undefined;
    },
  };
}
