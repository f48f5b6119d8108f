// What the statistics feature adds to the deps (wired in src/app/deps.ts): its Prometheus gauges, read
// from the stored statistics at scrape time (so every process exports the same figures, whichever one
// computed them), and the drift alert counters.
import { Counter, Gauge } from 'prom-client';
import type { EngineDeps } from '../../src/engine.js';
import { CLUSTER_WIDE, METRIC_PREFIX } from '../../src/metrics.js';
import { sql } from '../../src/db/sql.js';

const LABELS = ['model', 'version', 'league', 'window'] as const;
/** Versions whose statistics were not recomputed for this long drop out of the gauges (bounded cardinality). */
const FRESH_DAYS = 8;
const CACHE_MS = 5_000;

interface Latest { model: string; version: string; league: string; window: string; n: number; accuracy: number | null; brier: number | null; log_loss: number | null; rps: number | null; ece: number | null }

export interface StatsMetrics {
  driftAlerts: Counter<'severity' | 'method'>;
  abConcluded: Counter<'decision'>;
}

export interface StatsDeps { statsMetrics: StatsMetrics }

export function createStatsDeps(base: EngineDeps): StatsDeps {
  const registers = [base.metrics.registry];
  const p = METRIC_PREFIX;
  let cached: { at: number; rows: Promise<Latest[]> } | null = null;
  const latest = () => {
    if (!cached || Date.now() - cached.at > CACHE_MS) {
      const rows = base.sql.query<Latest>(sql`
        SELECT DISTINCT ON (s.model_version_id, s.league, s."window") v.name AS model, v.version, s.league, s."window" AS window,
          s.n, s.accuracy, s.brier, s.log_loss, s.rps, s.ece
        FROM model_stats s JOIN model_versions v ON v.id = s.model_version_id
        WHERE s.computed_at > now() AT TIME ZONE 'UTC' - make_interval(days => ${FRESH_DAYS}::int)
        ORDER BY s.model_version_id, s.league, s."window", s.computed_at DESC, s.id DESC`).catch((err: Error) => {
        base.log.warn({ err: err.message }, 'model statistics gauges: could not read model_stats');
        cached = null;
        return [] as Latest[];
      });
      cached = { at: Date.now(), rows };
    }
    return cached.rows;
  };
  const gauge = (name: string, help: string, pick: (r: Latest) => number | null) =>
    new Gauge({
      name: `${p}${name}`, help: `${help}. ${CLUSTER_WIDE}`, labelNames: LABELS, registers,
      async collect() {
        this.reset();
        for (const r of await latest()) {
          const v = pick(r);
          if (v !== null && Number.isFinite(v)) this.set({ model: r.model, version: r.version, league: r.league, window: r.window }, v);
        }
      },
    });
  gauge('model_matches', 'Finished matches scored per model version, league and window', (r) => r.n);
  gauge('model_rps', 'Mean ranked probability score (lower is better)', (r) => r.rps);
  gauge('model_brier', 'Mean multi-class Brier score, 3 classes (lower is better)', (r) => r.brier);
  gauge('model_log_loss', 'Mean log loss (lower is better)', (r) => r.log_loss);
  gauge('model_accuracy', 'Share of matches whose most likely outcome happened', (r) => r.accuracy);
  gauge('model_ece', 'Top-label expected calibration error, 10 bins', (r) => r.ece);
  new Gauge({
    name: `${p}drift_open_alerts`, help: `Open drift alerts, by severity. ${CLUSTER_WIDE}`, labelNames: ['severity'] as const, registers,
    async collect() {
      this.reset();
      const rows = await base.sql.query<{ severity: string; n: string }>(sql`SELECT severity, count(*) AS n FROM drift_alerts WHERE open_key IS NOT NULL GROUP BY severity`)
        .catch(() => [] as Array<{ severity: string; n: string }>);
      for (const sev of ['warning', 'critical']) this.set({ severity: sev }, Number(rows.find((r) => r.severity === sev)?.n ?? 0));
    },
  });
  return {
    statsMetrics: {
      driftAlerts: new Counter({ name: `${p}drift_alerts_total`, help: 'Drift alerts opened, by severity and method', labelNames: ['severity', 'method'] as const, registers }),
      abConcluded: new Counter({ name: `${p}ab_tests_concluded_total`, help: 'A/B tests concluded, by decision', labelNames: ['decision'] as const, registers }),
    },
  };
}
