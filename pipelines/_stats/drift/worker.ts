// Worker-thread entry of the drift tests (see ../threads.ts): the sorting and the tests of every feature
// run here, so the worker process's event loop stays responsive however large the windows.
import { parentPort, workerData } from 'node:worker_threads';
import { distReady } from '../dist.js';
import { checkFeatures, type DriftThresholds, type FeatureInput } from './methods.js';

const input = workerData as { features: FeatureInput[]; thresholds: DriftThresholds };
distReady()
  .then(() => parentPort!.postMessage({ ok: true, value: checkFeatures(input.features, input.thresholds) }))
  .catch((err: Error) => parentPort!.postMessage({ ok: false, error: err.stack ?? String(err) }));
