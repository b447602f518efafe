export { startMockEngine, type MockEngine, type MockEngineOptions, type MockKind, type MockModel } from './engines.js'
export { startMisbehaving, type Misbehaviour } from './misbehaving.js'
