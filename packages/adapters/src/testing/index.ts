// @openfloor/adapters/testing — the adapter conformance kit (vitest).

export { type BookStreamReport, checkBookStream } from "./book-stream.js";
export { ConformanceDriver, ConformanceTimeout, nextClientOrderId } from "./driver.js";
export type {
  ArrangedOrder,
  ConformanceHarness,
  ConformanceKit,
  ConformanceOptions,
  MakeHarness,
} from "./harness.js";
export { RecordingSink, type TrackedOrder } from "./recording-sink.js";
export { CONFORMANCE_TESTS, runConformanceSuite } from "./suite.js";
