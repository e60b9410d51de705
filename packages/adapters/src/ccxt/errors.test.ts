import {
  AuthenticationError,
  BadVenueMessageError,
  InsufficientFundsError,
  InvalidOrderError,
  NetworkError,
  NotSupportedError,
  OrderNotFoundError,
  RateLimitedError,
  VenueError,
  VenueUnavailableError,
} from "@openfloor/core";
import ccxt from "ccxt";
import { afterEach, describe, expect, it } from "vitest";
import type { EmulatedExchange, OrderFault } from "../emulator/index.js";
import { mapCcxtError, outcomeUnknown, scrub } from "./errors.js";
import { type AdapterUnderTest, adapterOn, orderFor, rejectionOf, TEST_ENV } from "./test-support.js";

type ErrorClass = abstract new (...args: never[]) => Error;

describe("mapCcxtError: one table from ccxt's classes to the shared venue errors", () => {
  const cases: [string, Error, ErrorClass, string][] = [
    [
      "InsufficientFunds",
      new ccxt.InsufficientFunds("binance x"),
      InsufficientFundsError,
      "INSUFFICIENT_FUNDS",
    ],
    ["InvalidOrder", new ccxt.InvalidOrder("x"), InvalidOrderError, "INVALID_ORDER"],
    ["OrderImmediatelyFillable", new ccxt.OrderImmediatelyFillable("x"), InvalidOrderError, "INVALID_ORDER"],
    ["OrderNotFound", new ccxt.OrderNotFound("x"), OrderNotFoundError, "ORDER_NOT_FOUND"],
    ["RateLimitExceeded", new ccxt.RateLimitExceeded("x"), RateLimitedError, "RATE_LIMITED"],
    ["DDoSProtection", new ccxt.DDoSProtection("x"), RateLimitedError, "RATE_LIMITED"],
    ["ExchangeNotAvailable", new ccxt.ExchangeNotAvailable("x"), VenueUnavailableError, "VENUE_UNAVAILABLE"],
    ["OnMaintenance", new ccxt.OnMaintenance("x"), VenueUnavailableError, "VENUE_UNAVAILABLE"],
    ["RequestTimeout", new ccxt.RequestTimeout("x"), NetworkError, "NETWORK"],
    ["NetworkError", new ccxt.NetworkError("x"), NetworkError, "NETWORK"],
    ["AuthenticationError", new ccxt.AuthenticationError("x"), AuthenticationError, "AUTHENTICATION"],
    ["PermissionDenied", new ccxt.PermissionDenied("x"), AuthenticationError, "AUTHENTICATION"],
    ["AccountSuspended", new ccxt.AccountSuspended("x"), AuthenticationError, "AUTHENTICATION"],
    ["NotSupported", new ccxt.NotSupported("x"), NotSupportedError, "NOT_SUPPORTED"],
    ["BadSymbol", new ccxt.BadSymbol("x"), InvalidOrderError, "INVALID_ORDER"],
    ["BadResponse", new ccxt.BadResponse("x"), BadVenueMessageError, "BAD_VENUE_MESSAGE"],
    ["ExchangeError", new ccxt.ExchangeError("x"), VenueError, "VENUE_ERROR"],
    ["TypeError (a parser choked)", new TypeError("x"), BadVenueMessageError, "BAD_VENUE_MESSAGE"],
  ];
  for (const [name, error, Class, code] of cases) {
    it(`${name} → ${Class.name} (${code}), keeping the cause`, () => {
      const mapped = mapCcxtError(error, { venue: "v", operation: "query" });
      expect(mapped).toBeInstanceOf(Class);
      expect(mapped.code).toBe(code);
      expect(mapped.cause).toBe(error);
      expect(mapped.context.venue).toBe("v");
    });
  }

  it("a bad request is an invalid order when it answers an order request", () => {
    expect(mapCcxtError(new ccxt.BadRequest("x"), { venue: "v", operation: "order" })).toBeInstanceOf(
      InvalidOrderError,
    );
    const query = mapCcxtError(new ccxt.BadRequest("x"), { venue: "v", operation: "query" });
    expect(query).toBeInstanceOf(VenueError);
    expect(query).not.toBeInstanceOf(InvalidOrderError);
  });

  it("only network failures leave a request's outcome unknown (a rate limit refused it)", () => {
    const map = (e: Error) => mapCcxtError(e, { venue: "v", operation: "order" });
    expect(outcomeUnknown(map(new ccxt.RequestTimeout("x")))).toBe(true);
    expect(outcomeUnknown(map(new ccxt.RateLimitExceeded("x")))).toBe(false);
    expect(outcomeUnknown(map(new ccxt.InsufficientFunds("x")))).toBe(false);
  });

  it("scrubs credentials and signed query strings from messages, the cause and its stack", () => {
    const key = "AbCdEfGh1234";
    const error = new ccxt.NetworkError(
      `binance GET https://api.binance.com/api/v3/order?symbol=BTCUSDT&timestamp=1&signature=deadbeef fetch failed key ${key}`,
    );
    const mapped = mapCcxtError(error, {
      venue: "binance",
      exchangeId: "binance",
      operation: "order",
      secrets: [key],
    });
    for (const text of [mapped.message, error.message, error.stack ?? ""]) {
      expect(text).not.toContain("deadbeef");
      expect(text).not.toContain(key);
      expect(text).not.toContain("timestamp=1");
    }
    expect(mapped.message.startsWith("binance: GET https://api.binance.com/api/v3/order?…")).toBe(true);
    expect(scrub("x-bapi-api-key=zzz sign=yyy", [])).toBe("x-bapi-api-key=… sign=…");
  });
});

/** Each injectable fault, the request it hits, the class it must become and the wire code behind it. */
const FAULTS: {
  fault: OrderFault;
  on: "create" | "cancel";
  Class: ErrorClass;
  binance: string;
  bybit: string;
}[] = [
  {
    fault: "insufficient-funds",
    on: "create",
    Class: InsufficientFundsError,
    binance: "-2010",
    bybit: "170131",
  },
  { fault: "unknown-order", on: "cancel", Class: OrderNotFoundError, binance: "-2011", bybit: "170213" },
  { fault: "rate-limit", on: "create", Class: RateLimitedError, binance: "429 / -1003", bybit: "10006" },
  { fault: "invalid-price", on: "create", Class: InvalidOrderError, binance: "-1013", bybit: "170134" },
  { fault: "auth", on: "create", Class: AuthenticationError, binance: "-2015", bybit: "10003" },
];

describe.each(["binance", "bybit"] as EmulatedExchange[])(
  "%s error codes through ccxt to typed errors",
  (exchange) => {
    let t: AdapterUnderTest | undefined;
    afterEach(async () => {
      await t?.stop();
      t = undefined;
    });

    for (const f of FAULTS) {
      it(`${f.fault} (${f[exchange]}) on ${f.on} → ${f.Class.name}, with a refusal event`, async () => {
        t = await adapterOn(exchange, { symbols: ["BTC/USDT"] });
        await t.adapter.connect();
        let order = orderFor(exchange, "BTC/USDT", "buy", "limit", "0.001", "40000.00");
        if (f.on === "cancel") {
          await t.adapter.submitOrder(order);
          const id = order.clientOrderId;
          await t.sink.until(() => t!.sink.eventsOf(id).some((e) => e.kind === "accepted"), "accepted");
          order = { ...order, status: "accepted" };
        }
        t.venue.failNextOrder(f.fault, f.on);
        const error = await rejectionOf(
          f.on === "create" ? t.adapter.submitOrder(order) : t.adapter.cancelOrder(order),
        );
        expect(error).toBeInstanceOf(f.Class);
        expect((error as VenueError).context.venue).toBe(exchange);
        expect((error as Error).cause, "the ccxt error is kept as the cause").toBeInstanceOf(ccxt.BaseError);
        const refusal = f.on === "create" ? "rejected" : "cancel-rejected";
        const event = t.sink.eventsOf(order.clientOrderId).find((e) => e.kind === refusal);
        expect(event, `a ${refusal} event`).toBeDefined();
        expect(t.logger.text()).not.toContain(TEST_ENV.EMU_SECRET);
        expect(
          JSON.stringify({ message: (error as Error).message, stack: (error as Error).stack }),
        ).not.toContain(TEST_ENV.EMU_API_KEY);
      });
    }

    it("canceling an order the venue never saw → OrderNotFoundError", async () => {
      t = await adapterOn(exchange, { symbols: ["BTC/USDT"] });
      await t.adapter.connect();
      const ghost = {
        ...orderFor(exchange, "BTC/USDT", "buy", "limit", "0.001", "40000.00"),
        venueOrderId: "123456789",
      };
      expect(await rejectionOf(t.adapter.cancelOrder(ghost))).toBeInstanceOf(OrderNotFoundError);
    });
  },
);
