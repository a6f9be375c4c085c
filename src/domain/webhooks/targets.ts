// Where a webhook may point. A registry that POSTs to any URL an admin names is a way into the network
// it runs in (SSRF): loopback, private, link-local and cloud metadata addresses are refused unless an
// allow-list names them. The check runs at registration and again at each delivery, on the addresses
// the delivery then connects to, so a DNS answer that changes in between (rebinding) cannot slip past.
import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** What may be reached although it is not public: CIDR ranges and host names (WEBHOOK_ALLOW_PRIVATE). */
export interface TargetPolicy {
  ranges: [Address, number][];
  hosts: Set<string>;
}

/** The setting that names the allow-list, quoted in every refusal. */
export const ALLOW_PRIVATE_SETTING = 'WEBHOOK_ALLOW_PRIVATE';

// Instance metadata services hand out cloud credentials: never a webhook target, allow-list or not.
const METADATA_HOSTS = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'instance-data',
  'instance-data.ec2.internal',
  'metadata.azure.internal',
]);
const METADATA_ADDRESSES = new Set(['169.254.169.254', '169.254.170.2', '168.63.129.16', '100.100.100.200', 'fd00:ec2::254']);

const RANGE_NAMES: Record<string, string> = {
  unspecified: 'an unspecified address',
  broadcast: 'a broadcast address',
  multicast: 'a multicast address',
  linkLocal: 'a link-local address',
  loopback: 'a loopback address',
  carrierGradeNat: 'a carrier-grade NAT address',
  private: 'a private address',
  reserved: 'a reserved address',
  uniqueLocal: 'a unique-local address',
  teredo: 'a Teredo tunnel address',
  cloudMetadata: 'a cloud metadata address',
};

export interface Classification {
  /** ipaddr.js's range name (`unicast` for a public address), or `cloudMetadata`. */
  range: string;
  /** The IPv4 address an IPv6 one carries (mapped, NAT64, 6to4), when it carries one. */
  embedded?: string;
  /** Whether a delivery may go there without the allow-list. */
  public: boolean;
  /** Why not, in words: "a private address". */
  description: string;
}

/** The IPv4 address inside an IPv6 one that translates or tunnels to it, if any. */
function embeddedIPv4(ip: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const range = ip.range();
  const p = ip.parts;
  const fromWords = (hi: number, lo: number) => new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
  if (range === 'ipv4Mapped' || range === 'rfc6145' || range === 'rfc6052') return fromWords(p[6]!, p[7]!);
  if (range === '6to4') return fromWords(p[1]!, p[2]!);
  // ::a.b.c.d, the deprecated IPv4-compatible form, still reaches a.b.c.d on some stacks.
  if (p.slice(0, 6).every((w) => w === 0) && !['unspecified', 'loopback'].includes(range)) return fromWords(p[6]!, p[7]!);
  return undefined;
}

/** Classifies one IP address (v4 or v6 text); throws on text that is not an address. */
export function classifyAddress(text: string): Classification {
  const ip = ipaddr.parse(text);
  const normalized = ip.toString();
  if (METADATA_ADDRESSES.has(normalized)) return { range: 'cloudMetadata', public: false, description: RANGE_NAMES.cloudMetadata! };
  if (ip.kind() === 'ipv6') {
    const inner = embeddedIPv4(ip as ipaddr.IPv6);
    if (inner) {
      const c = classifyAddress(inner.toString());
      return { ...c, embedded: inner.toString() };
    }
  }
  const range = ip.range();
  return { range, public: range === 'unicast', description: RANGE_NAMES[range] ?? `a special-purpose address (${range})` };
}

/** Whether `text` is a valid allow-list entry: a CIDR range, an address, or a host name. */
export function allowListEntryError(entry: string): string | null {
  if (ipaddr.isValidCIDR(entry) || ipaddr.isValid(entry)) return null;
  if (/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i.test(entry)) return null;
  return `"${entry}" is neither a CIDR range (10.0.0.0/8), an address (127.0.0.1) nor a host name (hooks.internal)`;
}

/** The policy for an allow-list, e.g. `["127.0.0.1/32", "::1/128", "localhost"]`; an empty one allows public addresses only. */
export function targetPolicy(entries: readonly string[] = []): TargetPolicy {
  const policy: TargetPolicy = { ranges: [], hosts: new Set() };
  for (const raw of entries) {
    const entry = raw.trim();
    const error = allowListEntryError(entry);
    if (error) throw new Error(`${ALLOW_PRIVATE_SETTING}: ${error}`);
    if (ipaddr.isValidCIDR(entry)) policy.ranges.push(ipaddr.parseCIDR(entry));
    else if (ipaddr.isValid(entry)) {
      const ip = ipaddr.parse(entry);
      policy.ranges.push([ip, ip.kind() === 'ipv4' ? 32 : 128]);
    } else policy.hosts.add(hostKey(entry));
  }
  return policy;
}

function hostKey(host: string): string {
  return host.toLowerCase().replace(/\.$/, '');
}

function inAllowedRange(policy: TargetPolicy, text: string, embedded?: string): boolean {
  const candidates = [ipaddr.parse(text), ...(embedded ? [ipaddr.parse(embedded)] : [])];
  return candidates.some((ip) => policy.ranges.some(([net, bits]) => net.kind() === ip.kind() && ip.match(net as never, bits)));
}

/** Where a delivery goes: the address that was checked, which the connection must use. */
export interface CheckedTarget {
  url: URL;
  address: string;
  family: 4 | 6;
}

export type TargetCheck =
  | { ok: true; target: CheckedTarget }
  /** `transient`: the name did not resolve now, which may change; a refusal by policy will not. */
  | { ok: false; transient: boolean; reason: string };

/** Resolves a host name to every address it has (A and AAAA). */
export type Resolve = (host: string) => Promise<{ address: string; family: number }[]>;

const systemResolve: Resolve = (host) => lookup(host, { all: true, verbatim: true });

/** Checks a URL against the policy: its literal address, or every address its name resolves to. */
export async function checkTarget(url: URL, policy: TargetPolicy, resolve: Resolve = systemResolve): Promise<TargetCheck> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const name = hostKey(host);
  if (METADATA_HOSTS.has(name)) return { ok: false, transient: false, reason: `${host} is a cloud metadata host, never a webhook target` };
  const literal = ipaddr.isValid(host);
  let addresses: { address: string; family: number }[];
  if (literal) addresses = [{ address: host, family: ipaddr.parse(host).kind() === 'ipv4' ? 4 : 6 }];
  else {
    try {
      addresses = await resolve(host);
    } catch (error) {
      return { ok: false, transient: true, reason: `${host} does not resolve (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` };
    }
    if (addresses.length === 0) return { ok: false, transient: true, reason: `${host} does not resolve (no addresses)` };
  }
  for (const { address } of addresses) {
    const c = classifyAddress(address);
    if (c.public) continue;
    const allowed = c.range !== 'cloudMetadata' && (policy.hosts.has(name) || inAllowedRange(policy, address, c.embedded));
    if (allowed) continue;
    const what = c.embedded ? `${address}, which carries ${c.embedded}, ${c.description}` : `${address}, ${c.description}`;
    const fix = c.range === 'cloudMetadata' ? 'never a webhook target' : `allow it with ${ALLOW_PRIVATE_SETTING}`;
    return { ok: false, transient: false, reason: `${literal ? 'the address is' : `${host} resolves to`} ${what}; ${fix}` };
  }
  const first = addresses[0]!;
  return { ok: true, target: { url, address: first.address, family: first.family === 6 ? 6 : 4 } };
}
