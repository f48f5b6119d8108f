// Called by the statistics feature's drift alerts: a critical alert starts a retraining, at most one per
// RETRAIN_COOLDOWN_MS however many alerts fire (an alert storm starts one training).
import type { MlEngineDeps } from './deps.js';

export interface DriftAlert {
  severity: string;
  [detail: string]: unknown;
}

/** Returns the retrain job id (the one already queued when within the cooldown), or null when not critical. */
export async function onDriftAlert(alert: DriftAlert, deps: Pick<MlEngineDeps, 'mlJobs' | 'config'>): Promise<string | null> {
  if (alert.severity !== 'critical') return null;
  return deps.mlJobs.retrainOnDrift(alert, deps.config.RETRAIN_COOLDOWN_MS);
}
