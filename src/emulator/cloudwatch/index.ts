/** What the emulator's wiring needs from CloudWatch. */
export { CloudWatchModel, type CloudWatchModelOptions } from './model.js';
export { CloudWatchJsonEndpoint } from './protocol-json.js';
export { CloudWatchQueryEndpoint } from './protocol-query.js';
export {
  buildAlarmNotification,
  regionLongName,
  type AlarmNotification,
  type AlarmSnapshot,
  type StateChange,
} from './alarm-message.js';
