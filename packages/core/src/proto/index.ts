// The protobuf contracts (generated from proto/openfloor/v1 by `pnpm proto:gen`).
export * from "../gen/openfloor/v1/admin.js";
export * from "../gen/openfloor/v1/common.js";
export * from "../gen/openfloor/v1/market_data.js";
export * from "../gen/openfloor/v1/orders.js";
export * from "../gen/openfloor/v1/portfolio.js";
export * from "../gen/openfloor/v1/recording.js";
