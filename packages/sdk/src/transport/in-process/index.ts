// @openfloor/sdk/in-process — run a strategy inside the gateway's process.

export type { InProcessTransportOptions } from "./in-process-transport.js";
export { InProcessTransport } from "./in-process-transport.js";
