// One article reaches us through several URLs (BBC appends `?at_medium=RSS&at_campaign=rss`, share
// links carry utm_*, feeds mix http and https). The canonical form is what articles are keyed and
// de-duplicated on, so it must be deterministic: same page → same string.

/** Query parameters that only track the click. Matched case-insensitively; `*` is a prefix wildcard. */
const TRACKING_PARAMS = [
  'utm_*',
  'at_*', // BBC (at_medium, at_campaign, at_link_id…)
  'ns_*', // comScore (ns_mchannel, ns_source…)
  'oly_*',
  'fbclid',
  'gclid',
  'dclid',
  'gbraid',
  'wbraid',
  'msclkid',
  'yclid',
  'mc_cid',
  'mc_eid',
  'igshid',
  'mkt_tok',
  '_ga',
  '_gl',
  'cmpid',
  'cmp',
  'icid',
  'ocid',
  'ito',
  'xtor',
  's_cid',
  'ref',
  'ref_src',
  'ref_url',
  'src',
  'share',
  'spm',
  'guccounter',
  'soc_src',
  'soc_trk',
  'rss',
  'feed',
];

function isTracking(name: string): boolean {
  const n = name.toLowerCase();
  return TRACKING_PARAMS.some((p) => (p.endsWith('*') ? n.startsWith(p.slice(0, -1)) : n === p));
}

export interface CanonicalLinkOptions {
  /**
   * Hosts whose http links are rewritten to https. Omitted: every http link is upgraded. A feed that
   * serves a host over both schemes passes the hosts it saw over https (see `httpsHostsOf`).
   */
  httpsHosts?: ReadonlySet<string>;
}

/**
 * Canonical article URL, or null when `url` is not an absolute http(s) URL.
 * Lower-cases scheme and host (URL does), drops the fragment, default ports, tracking parameters and
 * a trailing slash on non-root paths, and sorts the remaining parameters.
 */
export function canonicalLink(url: string, options: CanonicalLinkOptions = {}): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return null;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null;
  if (parsed.hostname === '') return null;
  parsed.hostname = parsed.hostname.replace(/\.$/, '');
  if (parsed.protocol === 'http:' && (options.httpsHosts === undefined || options.httpsHosts.has(parsed.hostname))) {
    parsed.protocol = 'https:';
    if (parsed.port === '80') parsed.port = '';
  }
  parsed.hash = '';
  parsed.username = '';
  parsed.password = '';
  const kept = [...parsed.searchParams.entries()].filter(([name]) => !isTracking(name));
  kept.sort(([a, av], [b, bv]) => (a === b ? (av < bv ? -1 : av > bv ? 1 : 0) : a < b ? -1 : 1));
  parsed.search = '';
  for (const [name, value] of kept) parsed.searchParams.append(name, value);
  if (parsed.pathname.length > 1) parsed.pathname = parsed.pathname.replace(/\/+$/, '') || '/';
  return parsed.toString();
}

/** Hosts (lower-case) that appear with https among `urls`. */
export function httpsHostsOf(urls: Iterable<string>): Set<string> {
  const hosts = new Set<string>();
  for (const url of urls) {
    try {
      const u = new URL(url.trim());
      if (u.protocol === 'https:') hosts.add(u.hostname.replace(/\.$/, ''));
    } catch {
      // Not a URL: it cannot vouch for a host.
    }
  }
  return hosts;
}
