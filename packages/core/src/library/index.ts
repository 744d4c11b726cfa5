/**
 * Library: browsing the household's Plex servers as a member (visibility from plex.tv sharing),
 * posters through a cached image route, and the availability index kept by the `library.sync` job.
 */
export * from './availability.ts';
export * from './browse.ts';
export * from './deps.ts';
export * from './errors.ts';
export * from './image.ts';
export * from './info.ts';
export {
  type Enqueue as ScheduleEnqueue,
  FULL_EVERY_MS,
  INCREMENTAL_EVERY_MS,
  SYNC_SWEEP_JOB,
  scheduleLibrarySync,
  syncIfDue,
  syncSweepJob,
} from './schedule.ts';
export { forgetShares, type MemberShare, type SharedMembers } from './sharing.ts';
export { integrationServers } from './sources.ts';
export {
  type BeginResult,
  beginSync,
  indexItemsOf,
  type LibrarySystem,
  librarySyncJob,
  StartSyncInput,
  type StepResult,
  SYNC_JOB,
  type SyncDeps,
  SyncJobData,
  SyncStatus,
  startSync,
  syncDepsOf,
  syncStatus,
  syncStep,
  toStatus,
} from './sync.ts';
