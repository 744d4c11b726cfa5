export * as Channels from './channels.ts';
export {
  DELIVER_JOB,
  DeliverData,
  type DeliverOutcome,
  deliver,
  deliverJob,
  httpOf,
  send,
} from './deliver.ts';
export * from './events.ts';
export * as Follow from './follow.ts';
export * as Inbox from './inbox.ts';
export {
  commitInChunks,
  membersOf,
  type NotifyDeps,
  type NotifyInput,
  notify,
  plan,
  type Recipients,
} from './notify.ts';
export * as Preferences from './preferences.ts';
export { attachStatusAlerts, notifyStatusAlert } from './status-alerts.ts';
export { sendTest, TestResult as ChannelTestResult } from './test-send.ts';
