export * from './integration.ts';
export { KINDS, type Kind, MAIN, type MonitorSetting, type TestRecord } from './keys.ts';
export { DEFAULT_TEST_TIMEOUT_MS, type TestResult, TestResultSchema, WrongServerError } from './probe.ts';
