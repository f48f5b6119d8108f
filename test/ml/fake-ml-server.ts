// The fake ML service as a process of its own (the benchmark: the service's CPU must not be the
// engine's). Prints {"url": …} on stdout once listening; stops on SIGTERM.
// Usage: node --import tsx test/ml/fake-ml-server.ts [latencyMs]
import { FakeMlService } from './fake-ml-service.js';

const fake = new FakeMlService({ latencyMs: Number(process.argv[2] ?? 0), record: false });
const url = await fake.start();
process.stdout.write(`${JSON.stringify({ url })}\n`);
process.once('SIGTERM', () => void fake.stop().then(() => process.exit(0)));
