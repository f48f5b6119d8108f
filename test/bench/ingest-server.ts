// The upstream of the ingest benchmark, in its own process (as a real upstream is): a generated season
// of ESPN scoreboards and summaries built from the recorded payloads' shapes, with per-URL ETags.
import { FakeUpstream } from '../support/fake-upstream.js';
import { routeSeason } from './season.js';

const server = new FakeUpstream();
const url = await server.start();
const { dates, eventIds } = routeSeason(server);
process.stdout.write(`${JSON.stringify({ url, dates, eventIds })}\n`);
process.on('SIGTERM', () => void server.stop().then(() => process.exit(0)));
