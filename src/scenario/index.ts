/** The scenario layer: types of a resolved scenario, validation, loading. */
export type * from './types.js';
export { validateScenario } from './validate.js';
export { loadScenarioFile, loadScenarioText, parseScenarioText, type LoadOptions, type ScenarioFormat, type ScenarioSource } from './load.js';
export { scenarioToJSON } from './to-json.js';
export { formatEndpoint, parseEndpoint } from './endpoint.js';
export { IMIX } from './traffic.js';
