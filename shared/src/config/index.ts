export { loadConfig } from './load-config.ts';
export { commonEnv, envBoolean, urlOf } from './common-env.ts';
