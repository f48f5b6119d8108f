// A generated season of ESPN scoreboards and summaries built from the recorded payloads' shapes (a double
// round robin of 20 clubs: 38 matchdays of 10 matches), routed on a FakeUpstream with per-URL ETags.
// Used by the ingest benchmark's upstream process and by the soak.
import { readFileSync } from 'node:fs';
import type { FakeUpstream } from '../support/fake-upstream.js';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/espn/${name}`, import.meta.url), 'utf8'));

/** Replaces ids everywhere in a payload: `map` old id → new id for any string value under an "id" key. */
function remapIds(node: unknown, map: Map<string, string>): unknown {
  if (Array.isArray(node)) return node.map((n) => remapIds(n, map));
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, k === 'id' && typeof v === 'string' && map.has(v) ? map.get(v) : remapIds(v, map)]));
  }
  return node;
}

export function season() {
  const board = fixture('scoreboard-eng.1-2025-05-25.json');
  const template = board.events[0];
  const summary = fixture('summary-760495-fifa.world-live-1st-half.json');
  const teams = Array.from({ length: 20 }, (_, i) => String(9000 + i));
  const matchdays: Array<{ dates: string; events: unknown[] }> = [];
  const summaries = new Map<string, string>();
  // A double round robin (circle method): 38 matchdays of 10 matches.
  for (let round = 0; round < 38; round++) {
    const day = new Date(Date.UTC(2024, 7, 17) + round * 7 * 86_400_000);
    const dates = day.toISOString().slice(0, 10).replace(/-/g, '');
    const events = [];
    for (let k = 0; k < 10; k++) {
      const r = round % 19;
      const a = k === 0 ? 19 : ((r + k) % 19);
      const b = k === 0 ? r : ((r - k + 19) % 19);
      const [home, away] = round < 19 ? [teams[a]!, teams[b]!] : [teams[b]!, teams[a]!];
      const eventId = String(800_000 + round * 10 + k);
      const e = remapIds(structuredClone(template), new Map([['704649', eventId], ['349', home], ['375', away], ['6020', `70${home}`]])) as Record<string, any>;
      e.date = `${day.toISOString().slice(0, 10)}T15:00Z`;
      e.competitions[0].date = e.date;
      for (const c of e.competitions[0].competitors) {
        c.team.displayName = c.team.name = c.team.shortDisplayName = `Team ${c.team.id}`;
        c.team.abbreviation = `T${c.team.id.slice(-2)}`;
        c.score = String((Number(eventId) * (c.homeAway === 'home' ? 7 : 3)) % 4);
      }
      events.push(e);
      const s = remapIds(structuredClone(summary), new Map([['760495', eventId], ['448', home], ['2850', away]]));
      summaries.set(eventId, JSON.stringify(s));
    }
    matchdays.push({ dates, events });
  }
  return { board, matchdays, summaries };
}

/** Serves the season on `server` under /eng.1/: scoreboards by `dates`, summaries by `event`. */
export function routeSeason(server: FakeUpstream) {
  const { matchdays, summaries } = season();
  const byDate = new Map(matchdays.map((m) => [m.dates, JSON.stringify({ ...fixture('scoreboard-eng.1-2025-05-25.json'), events: m.events })]));
  // Like a CDN in front of a JSON API, the server answers If-None-Match with 304 (the ETag is per URL).
  server.route('/eng.1/scoreboard', { etag: (u) => `"sb-${u.searchParams.get('dates')}"`, body: (_r, u) => byDate.get(u.searchParams.get('dates') ?? '') ?? '{"events":[]}' });
  server.route('/eng.1/summary', { etag: (u) => `"su-${u.searchParams.get('event')}"`, body: (_r, u) => summaries.get(u.searchParams.get('event') ?? '') ?? '{}' });
  return { dates: matchdays.map((m) => m.dates), eventIds: [...summaries.keys()], eventsByDate: new Map(matchdays.map((m) => [m.dates, m.events.map((e) => String((e as { id: string }).id))])) };
}
