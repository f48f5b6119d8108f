// Where raw feed payloads come from: the network (through the engine's resilient upstream client,
// with conditional requests), or a directory of recorded payloads (FEEDS_REPLAY_DIR) for working offline.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Upstream } from '../../src/upstream/client.js';
import { UpstreamClientError } from '../../src/upstream/errors.js';

export interface FetchRequest {
  /** Stable identity of what is asked for, e.g. `scoreboard:eng.1:20250525`. */
  key: string;
  path: string;
  query?: Record<string, string | number | undefined>;
  /** For replay: file name prefixes (relative to the replay directory) that can answer this request, best first. */
  replay: string[];
}

export interface Fetched {
  notModified: boolean;
  body: Buffer;
  etag: string | null;
  lastModified: string | null;
  /** How long a cache in between had held the response (the `Age` header), in seconds. */
  ageSeconds?: number | null;
}

export interface FeedSource {
  fetch(req: FetchRequest, cursor: { etag: string | null; lastModified: string | null } | null, signal: AbortSignal): Promise<Fetched>;
}

const header = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? null;

export function httpSource(upstream: Upstream): FeedSource {
  return {
    async fetch(req, cursor, signal) {
      const res = await upstream.get(req.path, { query: req.query, signal, etag: cursor?.etag, lastModified: cursor?.lastModified });
      const age = Number(header(res.headers.age));
      return {
        notModified: res.notModified, body: res.body, etag: header(res.headers.etag), lastModified: header(res.headers['last-modified']),
        ageSeconds: Number.isFinite(age) && age > 0 ? age : null,
      };
    },
  };
}

/** Reads recorded payloads: the first existing file whose name starts with one of `req.replay`. */
export function replaySource(dir: string, name: string): FeedSource {
  return {
    async fetch(req) {
      for (const prefix of req.replay) {
        const folder = path.join(dir, path.dirname(prefix));
        const files = (await readdir(folder).catch(() => [] as string[])).filter((f) => f.startsWith(path.basename(prefix))).sort();
        const file = files[0];
        if (file) return { notModified: false, body: await readFile(path.join(folder, file)), etag: null, lastModified: null };
      }
      throw new UpstreamClientError(`${name} (replay)`, 404, `no recorded payload for ${req.key} in ${dir} (looked for ${req.replay.join(', ')}*)`);
    },
  };
}
