// The kubelet API's serving certificate: --tls-cert-file/--tls-private-key-file when given,
// else one of its own under --cert-dir (as upstream's self-signed kubelet.crt).
import { readFile } from 'node:fs/promises';
import { ensurePki } from '../../pki/pki.ts';
import { certDirOf, type KubeletOptions } from '../options/options.ts';

export async function servingCertificate(o: KubeletOptions, nodeName: string, ips: string[]): Promise<{ certPem: string; keyPem: string }> {
  if (o.tlsCertFile && o.tlsPrivateKeyFile) {
    return { certPem: await readFile(o.tlsCertFile, 'utf8'), keyPem: await readFile(o.tlsPrivateKeyFile, 'utf8') };
  }
  const pki = await ensurePki(certDirOf(o), { hosts: [nodeName, ...ips] });
  return { certPem: pki.servingCertPem, keyPem: pki.servingKeyPem };
}
