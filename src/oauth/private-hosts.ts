import { BlockList, isIP } from 'node:net';

/**
 * Loopback, private, link-local and other non-public ranges. oidc-provider checks the address each
 * metadata-document connection actually reaches (catching names that resolve there); this check refuses
 * literal addresses and local names before any connection, with a clear error.
 */
const PRIVATE = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const) {
  PRIVATE.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 127],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  PRIVATE.addSubnet(network, prefix, 'ipv6');
}

const LOCAL_NAMES = /(^|\.)(localhost|local|internal|localdomain)$/i;

/** Whether a URL's host is a private or loopback address literal, or a name that is local by definition. */
export function isPrivateHost(url: string): boolean {
  let hostname: string;
  try {
    hostname = new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return true;
  }
  const family = isIP(hostname);
  if (family === 4) return PRIVATE.check(hostname, 'ipv4');
  if (family === 6) {
    // IPv4-mapped (`::ffff:7f00:1` once the URL parser has normalised it): judge the IPv4 address.
    const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(hostname);
    if (mapped) {
      const high = Number.parseInt(mapped[1] ?? '0', 16);
      const low = Number.parseInt(mapped[2] ?? '0', 16);
      return PRIVATE.check(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`, 'ipv4');
    }
    return PRIVATE.check(hostname, 'ipv6');
  }
  return LOCAL_NAMES.test(hostname.replace(/\.$/, ''));
}
