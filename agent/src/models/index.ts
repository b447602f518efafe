/** Public surface of the model store: the manager the composition root wires, and its wire shapes. */
export { ModelManager, type ModelManagerInit, type StoredModelView } from './model-manager.js'
export { PullBodySchema, type ModelRecord, type PullRecord, type PullBody } from './model-record.js'
export { parseHubSource, type HubSource } from './hf/hub-source.js'
export { chooseFiles, DEFAULT_QUANT } from './hf/quant-choice.js'
