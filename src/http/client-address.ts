// Who is calling, by address: the socket's peer, or, when that peer is a proxy we trust, the address
// it forwarded. X-Forwarded-For is read from the right (the nearest hop) and believed only as far as
// the hops are trusted proxies: any caller can write the header, only our proxies append to it.
import ipaddr from 'ipaddr.js';
import { LRUCache } from 'lru-cache';

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** TRUSTED_PROXIES' entries: CIDRs or single addresses. Throws naming the first that is neither. */
export function parseTrustedProxies(entries: readonly string[]): Range[] {
  return entries.map((entry) => {
    if (ipaddr.isValidCIDR(entry)) return normalizeRange(ipaddr.parseCIDR(entry));
    if (ipaddr.isValid(entry)) {
      const address = ipaddr.process(entry);
      return [address, address.kind() === 'ipv4' ? 32 : 128] as Range;
    }
    throw new Error(`${JSON.stringify(entry)} is not an IP address or CIDR range (e.g. 10.0.0.0/8, ::1)`);
  });
}

/** An IPv4-mapped IPv6 range (::ffff:10.0.0.0/104) is matched as the IPv4 range it maps. */
function normalizeRange([address, bits]: Range): Range {
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
    return [(address as ipaddr.IPv6).toIPv4Address(), bits - 96];
  }
  return [address, bits];
}

function parsed(text: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  return ipaddr.isValid(text) ? ipaddr.process(text) : null;
}

/** Peer addresses kept in their normalized form. */
const PEERS_KEPT = 1000;

/** Resolves a request's client address from its peer and its X-Forwarded-For header. */
export function createClientAddress(trustedProxies: readonly string[]) {
  const ranges = parseTrustedProxies(trustedProxies);
  const trusted = (address: ipaddr.IPv4 | ipaddr.IPv6) => ranges.some(([range, bits]) => range.kind() === address.kind() && address.match(range, bits));
  // A peer's own address, as most requests need it: asked for on every request, parsed once per peer.
  const peers = new LRUCache<string, string>({ max: PEERS_KEPT });
  const peerAddress = (peer: string) => {
    let address = peers.get(peer);
    if (address === undefined) peers.set(peer, (address = parsed(peer)?.toString() ?? peer));
    return address;
  };
  return (peer: string | null | undefined, forwardedFor: string | null | undefined): string | null => {
    if (!peer) return null;
    if (!ranges.length || !forwardedFor) return peerAddress(peer);
    let current = parsed(peer);
    if (!current) return peer;
    const hops = forwardedFor.split(',').map((hop) => hop.trim());
    for (let i = hops.length - 1; i >= 0 && trusted(current); i--) {
      const hop = parsed(hops[i]!);
      // A hop a trusted proxy wrote that is not an address: believe nothing beyond that proxy.
      if (!hop) break;
      current = hop;
    }
    return current.toString();
  };
}
