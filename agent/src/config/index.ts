export { ConfigSchema, DEFAULT_HTTP_PORT, DEFAULT_MESH_PORT, type Config, type ConfigInput } from './schema.js'
export { loadConfig, mergeConfig, expandHome, CONFIG_FILE_NAME } from './load-config.js'
export { configFromEnv } from './env.js'
export { InvalidConfigError } from './invalid-config-error.js'
