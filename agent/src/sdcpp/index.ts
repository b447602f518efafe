/**
 * stable-diffusion.cpp's sd-server built on this box (`llmlb sd build`) for native image generation
 * (specs/images.md, "Native image generation"); the node runs it through engines/local-sd.ts. The only
 * public surface of `sdcpp/`.
 */
export { buildSdServer, findSdServer, readSdEntry, SdBuildError, type BuildSdOptions, type SdBuild, type SdManifest } from './build.js'
export { sdCacheKey, sdCacheRoot, sdConfigureArgs, SD_COMMIT, SD_REPO, SD_SERVER_BINARY } from './plan.js'
export { startLocalSd, type LocalSdWiring } from './wiring.js'
