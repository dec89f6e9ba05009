import { loadConfigOrExit } from '../runtime/config';
import { createLogger } from '../runtime/logger';
import { startPlatform } from '../runtime/platform';

/** The API process alone (production): configuration from the environment. */
const cfg = loadConfigOrExit();
const log = createLogger(cfg.LOG_LEVEL, 'api');
const platform = await startPlatform(cfg, log, { api: true, worker: false });
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void platform.stop().then(() => process.exit(0)));
