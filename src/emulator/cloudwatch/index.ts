/**
 * CloudWatch's face: what the emulator's wiring needs. Everything else in this folder is private to
 * the service (model, alarm scheduler and validation, metric store, metric math, wire protocols).
 */
export { CloudWatchModel, type CloudWatchModelOptions } from './model.js';
export { CloudWatchJsonEndpoint } from './protocol-json.js';
export { CloudWatchQueryEndpoint } from './protocol-query.js';
export type { ApiEvaluationWindow } from './evaluation-window.js';
