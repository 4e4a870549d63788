// Small local images for a machine with no registry: a busybox image and a sandbox ("pause")
// image, both built from the host's busybox-static as OCI image-layout tars, and imported
// into containerd's k8s.io namespace with ctr (CRI has no import call).
//
// The layer is reproducible (fixed mtimes, sorted entries), so both images share one blob.
import { createHash } from 'node:crypto';
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

const FIXED_MTIME = 1_700_000_000;
const BUSYBOX = '/bin/busybox';

// ---- a minimal ustar writer (entries are small and few; everything is built in memory) ----

interface TarEntry {
  path: string;
  type: 'file' | 'dir' | 'symlink' | 'hardlink';
  mode: number;
  data?: Buffer;
  linkname?: string;
}

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

function tarHeader(e: TarEntry): Buffer {
  const h = Buffer.alloc(512);
  let name = e.type === 'dir' && !e.path.endsWith('/') ? `${e.path}/` : e.path;
  let prefix = '';
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', name.length - 2);
    prefix = name.slice(0, cut);
    name = name.slice(cut + 1);
    if (Buffer.byteLength(name) > 100 || Buffer.byteLength(prefix) > 155) throw new Error(`tar: path too long: ${e.path}`);
  }
  const size = e.type === 'file' ? (e.data?.length ?? 0) : 0;
  h.write(name, 0, 100);
  h.write(octal(e.mode & 0o7777, 8), 100);
  h.write(octal(0, 8), 108);
  h.write(octal(0, 8), 116);
  h.write(octal(size, 12), 124);
  h.write(octal(FIXED_MTIME, 12), 136);
  h.write('        ', 148); // checksum is computed with its own field as spaces
  h.write({ file: '0', hardlink: '1', symlink: '2', dir: '5' }[e.type], 156);
  if (e.linkname) h.write(e.linkname, 157, 100);
  h.write('ustar\0', 257);
  h.write('00', 263);
  h.write('root', 265, 32);
  h.write('root', 297, 32);
  h.write(prefix, 345, 155);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148);
  return h;
}

export function writeTar(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    parts.push(tarHeader(e));
    if (e.type === 'file' && e.data && e.data.length) {
      parts.push(e.data);
      const pad = (512 - (e.data.length % 512)) % 512;
      if (pad) parts.push(Buffer.alloc(pad));
    }
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

// ---- the busybox root filesystem layer ----

function applets(): string[] {
  // `--list-full` gives each applet's canonical path (usr/bin/env, sbin/ip, ...).
  const out = execFileSync(BUSYBOX, ['--list-full'], { encoding: 'utf8' });
  return out.split('\n').map((s) => s.trim()).filter((s) => s && s !== 'bin/busybox');
}

const PASSWD = [
  'root:x:0:0:root:/root:/bin/sh',
  'daemon:x:1:1:daemon:/usr/sbin:/bin/false',
  'www-data:x:33:33:www-data:/var/www:/bin/false',
  'nobody:x:65534:65534:nobody:/home:/bin/false',
  '',
].join('\n');
const GROUP = ['root:x:0:', 'daemon:x:1:', 'www-data:x:33:', 'nogroup:x:65534:', ''].join('\n');

export function busyboxLayer(): Buffer {
  const dirs = new Set(['bin', 'etc', 'root', 'tmp', 'var', 'var/www', 'home', 'dev', 'proc', 'sys']);
  const links = applets();
  for (const l of links) {
    const parts = l.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  const entries: TarEntry[] = [];
  for (const d of [...dirs].sort()) {
    entries.push({ path: d, type: 'dir', mode: d === 'tmp' ? 0o1777 : d === 'root' ? 0o700 : 0o755 });
  }
  entries.push({ path: 'bin/busybox', type: 'file', mode: 0o755, data: readFileSync(BUSYBOX) });
  for (const l of [...new Set(links)].sort()) entries.push({ path: l, type: 'hardlink', mode: 0o755, linkname: 'bin/busybox' });
  entries.push({ path: 'etc/passwd', type: 'file', mode: 0o644, data: Buffer.from(PASSWD) });
  entries.push({ path: 'etc/group', type: 'file', mode: 0o644, data: Buffer.from(GROUP) });
  entries.push({ path: 'var/www/index.html', type: 'file', mode: 0o644, data: Buffer.from('<html><body>berth busybox</body></html>\n') });
  return writeTar(entries);
}

// ---- OCI image layout ----

interface ImageConfigSpec {
  entrypoint?: string[];
  cmd?: string[];
  env?: string[];
  workingDir?: string;
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

function ociArch(): string {
  return ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' } as Record<string, string>)[process.arch] ?? process.arch;
}

/** The OCI layout tar (oci-layout, index.json, blobs/sha256/*) for one layer and config, under several names. */
export function ociImageTar(layer: Buffer, spec: ImageConfigSpec, names: string[]): Buffer {
  const blobs = new Map<string, Buffer>();
  const put = (b: Buffer) => { const d = sha256(b); blobs.set(d, b); return d; };
  const layerDigest = put(layer);
  const config = Buffer.from(JSON.stringify({
    architecture: ociArch(),
    os: 'linux',
    created: new Date(FIXED_MTIME * 1000).toISOString(),
    config: {
      Env: spec.env ?? ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      ...(spec.entrypoint ? { Entrypoint: spec.entrypoint } : {}),
      ...(spec.cmd ? { Cmd: spec.cmd } : {}),
      ...(spec.workingDir ? { WorkingDir: spec.workingDir } : {}),
    },
    rootfs: { type: 'layers', diff_ids: [`sha256:${layerDigest}`] },
    history: [{ created: new Date(FIXED_MTIME * 1000).toISOString(), created_by: 'berth: busybox-static root filesystem' }],
  }));
  const configDigest = put(config);
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${configDigest}`, size: config.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: `sha256:${layerDigest}`, size: layer.length }],
  }));
  const manifestDigest = put(manifest);
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: names.map((name) => ({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: `sha256:${manifestDigest}`,
      size: manifest.length,
      platform: { architecture: ociArch(), os: 'linux' },
      annotations: {
        'io.containerd.image.name': name,
        'org.opencontainers.image.ref.name': name.includes(':') ? name.slice(name.lastIndexOf(':') + 1) : 'latest',
      },
    })),
  };
  const entries: TarEntry[] = [
    { path: 'oci-layout', type: 'file', mode: 0o644, data: Buffer.from('{"imageLayoutVersion":"1.0.0"}') },
    { path: 'index.json', type: 'file', mode: 0o644, data: Buffer.from(JSON.stringify(index)) },
    { path: 'blobs', type: 'dir', mode: 0o755 },
    { path: 'blobs/sha256', type: 'dir', mode: 0o755 },
    ...[...blobs].map(([d, data]): TarEntry => ({ path: `blobs/sha256/${d}`, type: 'file', mode: 0o644, data })),
  ];
  return writeTar(entries);
}

/** A busybox image (default command `sh`) under the given names, e.g. localhost/busybox:1.35. */
export function buildBusyboxImage(outTar: string, names: string[]): void {
  writeFileSync(outTar, ociImageTar(busyboxLayer(), { cmd: ['sh'] }, names));
}

/**
 * The pod sandbox image. Its process is PID 1 of the pod: busybox ash's `wait` reaps any
 * child (so orphans do not linger as zombies), and the trap makes TERM/INT end it at once
 * (PID 1 ignores signals it has no handler for).
 */
export const PAUSE_SCRIPT = 'trap "exit 0" TERM INT; while :; do sleep 2147483647 & wait $!; done';

export function buildPauseImage(outTar: string, name: string): void {
  writeFileSync(outTar, ociImageTar(busyboxLayer(), { entrypoint: ['/bin/sh', '-c', PAUSE_SCRIPT] }, [name]));
}

/** Imports an OCI (or docker-archive) tar into the k8s.io namespace, where CRI looks for images. */
export async function importImage(address: string, tar: string, opts: { snapshotter?: string; signal?: AbortSignal } = {}): Promise<void> {
  const args = ['--address', address, '-n', 'k8s.io', 'images', 'import', '--all-platforms'];
  if (opts.snapshotter) args.push('--snapshotter', opts.snapshotter);
  args.push(tar);
  try {
    await execFileP('ctr', args, { signal: opts.signal, timeout: 120_000 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`ctr images import ${tar}: ${(e.stderr || e.message).trim()}`);
  }
}
