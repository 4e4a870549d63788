// Bound service-account tokens as the TokenRequest API issues them: ES256 JWTs carrying
// upstream's claims (iss, sub, aud, exp, iat, nbf, jti and the `kubernetes.io` claim), and
// their validation for the authenticator.
import { createHash, createPublicKey, randomUUID } from 'node:crypto';
import { SignJWT, decodeJwt, errors as joseErrors, importPKCS8, importSPKI, jwtVerify } from 'jose';

/** kube-apiserver's usual --service-account-issuer (kubeadm's default). */
export const defaultIssuer = 'https://kubernetes.default.svc.cluster.local';
/** Upstream validates exp/nbf with a minute of leeway for clock skew. */
const leewaySeconds = 60;

export interface ObjectRef {
  name: string;
  uid: string;
}

export interface ServiceAccountTokenRequest {
  namespace: string;
  serviceAccountName: string;
  serviceAccountUid: string;
  audiences: string[];
  expirationSeconds: number;
  boundPod?: ObjectRef;
  /** The node of the bound pod, as upstream adds since 1.30. */
  boundNode?: ObjectRef;
  issuer?: string;
  now?: Date;
}

/** The validated content of a service-account token. */
export interface ServiceAccountClaims {
  namespace: string;
  serviceAccountName: string;
  serviceAccountUid: string;
  audiences: string[];
  pod?: ObjectRef;
  node?: ObjectRef;
  jti?: string;
  expiresAt: Date;
}

/** Why a token that claims our issuer was refused; the message goes to TokenReview.status.error. */
export class TokenError extends Error {}

export function serviceAccountUsername(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

/** Upstream's key id: base64url(SHA-256(DER public key)), so verifiers can pick the key. */
export function keyId(keyPem: string): string {
  const der = createPublicKey(keyPem).export({ format: 'der', type: 'spki' });
  return createHash('sha256').update(der).digest('base64url');
}

/**
 * The imported signing key and its key id, per PEM: importing and hashing cost a millisecond a
 * token, which 50 pods starting at once pay in a row on the API server's event loop. A process
 * signs with one or two keys, so the memo stays that small.
 */
const signingKeys = new Map<string, Promise<{ key: CryptoKey; kid: string }>>();
function signingKey(privateKeyPem: string): Promise<{ key: CryptoKey; kid: string }> {
  let k = signingKeys.get(privateKeyPem);
  if (!k) {
    k = importPKCS8(privateKeyPem, 'ES256').then((key) => ({ key, kid: keyId(privateKeyPem) }));
    k.catch(() => signingKeys.delete(privateKeyPem));
    if (signingKeys.size >= 8) signingKeys.clear();
    signingKeys.set(privateKeyPem, k);
  }
  return k;
}

export async function issueServiceAccountToken(privateKeyPem: string, r: ServiceAccountTokenRequest): Promise<string> {
  const { key, kid } = await signingKey(privateKeyPem);
  const iat = Math.floor((r.now ?? new Date()).getTime() / 1000);
  const k8s: Record<string, unknown> = {
    namespace: r.namespace,
    serviceaccount: { name: r.serviceAccountName, uid: r.serviceAccountUid },
  };
  if (r.boundPod) k8s.pod = { name: r.boundPod.name, uid: r.boundPod.uid };
  if (r.boundNode) k8s.node = { name: r.boundNode.name, uid: r.boundNode.uid };
  return new SignJWT({ 'kubernetes.io': k8s })
    .setProtectedHeader({ alg: 'ES256', kid })
    .setIssuer(r.issuer ?? defaultIssuer)
    .setSubject(serviceAccountUsername(r.namespace, r.serviceAccountName))
    .setAudience(r.audiences)
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(iat + r.expirationSeconds)
    .setJti(randomUUID())
    .sign(key);
}

/** Whether the token is a JWT from this issuer: if not, other authenticators may still claim it. */
export function claimsIssuer(token: string, issuer: string): boolean {
  try {
    return decodeJwt(token).iss === issuer;
  } catch {
    return false;
  }
}

function asRef(v: unknown): ObjectRef | undefined {
  const r = v as { name?: unknown; uid?: unknown } | undefined;
  return typeof r?.name === 'string' && typeof r.uid === 'string' ? { name: r.name, uid: r.uid } : undefined;
}

/** Import once and pass the CryptoKey to verifyServiceAccountToken on hot paths. */
export function importPublicKey(publicKeyPem: string): Promise<CryptoKey> {
  return importSPKI(publicKeyPem, 'ES256');
}

export interface VerifyOptions {
  issuer: string;
  /** The token must carry at least one of these audiences. */
  audiences: string[];
  now?: Date;
}

/** Verifies signature, issuer, time and audience; throws TokenError with upstream-like reasons. */
export async function verifyServiceAccountToken(publicKey: string | CryptoKey, token: string, o: VerifyOptions): Promise<ServiceAccountClaims> {
  const key = typeof publicKey === 'string' ? await importPublicKey(publicKey) : publicKey;
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, key, {
      issuer: o.issuer,
      algorithms: ['ES256'],
      clockTolerance: leewaySeconds,
      currentDate: o.now,
      requiredClaims: ['exp', 'sub'],
    }));
  } catch (e) {
    if (e instanceof joseErrors.JWTExpired) throw new TokenError('service account token has expired');
    if (e instanceof joseErrors.JWTClaimValidationFailed && e.claim === 'nbf') throw new TokenError('service account token is not valid yet');
    if (e instanceof joseErrors.JWSSignatureVerificationFailed) throw new TokenError('invalid signature');
    throw new TokenError(`invalid service account token: ${(e as Error).message}`);
  }
  const aud = typeof payload.aud === 'string' ? [payload.aud] : Array.isArray(payload.aud) ? (payload.aud as string[]) : [];
  const accepted = aud.filter((a) => o.audiences.includes(a));
  if (accepted.length === 0) throw new TokenError(`token audiences ${JSON.stringify(aud)} is invalid for the target audiences ${JSON.stringify(o.audiences)}`);
  const k8s = (payload['kubernetes.io'] ?? {}) as { namespace?: unknown; serviceaccount?: unknown; pod?: unknown; node?: unknown };
  const sa = asRef(k8s.serviceaccount);
  if (typeof k8s.namespace !== 'string' || !sa) throw new TokenError('service account token claims are missing namespace or serviceaccount');
  if (payload.sub !== serviceAccountUsername(k8s.namespace, sa.name)) throw new TokenError('service account token subject does not match its kubernetes.io claims');
  return {
    namespace: k8s.namespace,
    serviceAccountName: sa.name,
    serviceAccountUid: sa.uid,
    audiences: accepted,
    pod: asRef(k8s.pod),
    node: asRef(k8s.node),
    jti: typeof payload.jti === 'string' ? payload.jti : undefined,
    expiresAt: new Date((payload.exp as number) * 1000),
  };
}
