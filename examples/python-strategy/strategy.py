"""A strategy in Python, talking to the openfloor gateway over gRPC.

It subscribes to market data, buys at the best ask with a limit order, waits for the fill on its
order-update stream, and prints its position. Stubs come from proto/openfloor/v1 (run ./setup.sh).

    .venv/bin/python strategy.py --gateway 127.0.0.1:7400 --token "$OPENFLOOR_TOKEN"

Every line it prints is human-readable; the last one is `RESULT {json}` for scripts and tests.
Exit codes: 0 filled, 1 gateway error (the gRPC status is printed), 2 timed out.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "gen"))

import grpc  # noqa: E402
from openfloor.v1 import (  # noqa: E402
    common_pb2,
    market_data_pb2,
    market_data_pb2_grpc,
    orders_pb2,
    orders_pb2_grpc,
    portfolio_pb2,
    portfolio_pb2_grpc,
)


# ---- exact decimals: the wire carries (mantissa, scale); never floats -------------------------------


def to_decimal(d: common_pb2.Decimal) -> Decimal:
    return Decimal(d.mantissa).scaleb(-d.scale)


def to_proto(x: Decimal) -> common_pb2.Decimal:
    sign, digits, exponent = x.normalize().as_tuple()
    mantissa = int("".join(map(str, digits)) or "0") * (-1 if sign else 1)
    if exponent > 0:
        return common_pb2.Decimal(mantissa=mantissa * 10**exponent, scale=0)
    return common_pb2.Decimal(mantissa=mantissa, scale=-exponent)


def instrument_id(text: str) -> common_pb2.InstrumentId:
    symbol, _, venue = text.rpartition(":")
    return common_pb2.InstrumentId(symbol=symbol, venue=venue)


# ---- the strategy -----------------------------------------------------------------------------------


def best_ask(stream, instrument: common_pb2.InstrumentId, deadline: float) -> Decimal:
    """The first best ask seen on the market-data stream (a quote, or a book snapshot)."""
    for response in stream:
        for event in response.frame.events:
            kind = event.WhichOneof("event")
            if kind == "quote" and event.quote.instrument == instrument and event.quote.HasField("ask_price"):
                return to_decimal(event.quote.ask_price)
            if kind == "book_snapshot" and event.book_snapshot.asks:
                return to_decimal(event.book_snapshot.asks[0].price)
        if time.monotonic() > deadline:
            break
    raise TimeoutError("no quote or book snapshot")


def watch_order_updates(stream, updates: queue.Queue) -> None:
    """Forwards the order-update stream to a queue (runs on its own thread; ends when canceled)."""
    try:
        for update in stream:
            updates.put(update)
    except grpc.RpcError as error:
        if error.code() != grpc.StatusCode.CANCELLED:
            updates.put(error)


def run(args: argparse.Namespace) -> int:
    auth = [("authorization", f"Bearer {args.token}")]
    instrument = instrument_id(args.instrument)
    deadline = time.monotonic() + args.timeout
    with grpc.insecure_channel(args.gateway) as channel:
        market_data = market_data_pb2_grpc.MarketDataServiceStub(channel)
        orders = orders_pb2_grpc.OrdersServiceStub(channel)
        portfolio = portfolio_pb2_grpc.PortfolioServiceStub(channel)

        listed = market_data.ListInstruments(
            market_data_pb2.ListInstrumentsRequest(venue=instrument.venue), metadata=auth, timeout=5
        )
        spec = next((i for i in listed.instruments if i.id == instrument), None)
        if spec is None:
            print(f"unknown instrument {args.instrument}", file=sys.stderr)
            return 1
        print(f"instrument {args.instrument} tick {to_decimal(spec.price_increment)} lot {to_decimal(spec.size_increment)}")

        # Order updates first, so the fill cannot slip past before we listen.
        updates: queue.Queue = queue.Queue()
        update_stream = orders.StreamOrderUpdates(orders_pb2.StreamOrderUpdatesRequest(), metadata=auth)
        threading.Thread(target=watch_order_updates, args=(update_stream, updates), daemon=True).start()
        update_stream.initial_metadata()  # the gateway sends headers once the stream is registered

        md_stream = market_data.Subscribe(
            market_data_pb2.SubscribeRequest(
                instruments=[instrument],
                event_types=[market_data_pb2.MARKET_EVENT_TYPE_QUOTE, market_data_pb2.MARKET_EVENT_TYPE_BOOK],
                book_depth=5,
            ),
            metadata=auth,
        )
        ask = best_ask(md_stream, instrument, deadline)
        md_stream.cancel()
        print(f"best ask {ask}")

        client_order_id = f"py-{os.getpid()}-{int(time.time() * 1000)}"
        submitted = orders.SubmitOrder(
            orders_pb2.SubmitOrderRequest(
                client_order_id=client_order_id,
                instrument=instrument,
                side=common_pb2.SIDE_BUY,
                type=orders_pb2.ORDER_TYPE_LIMIT,
                time_in_force=orders_pb2.TIME_IN_FORCE_GTC,
                quantity=to_proto(Decimal(args.quantity)),
                price=to_proto(ask),
            ),
            metadata=auth,
            timeout=5,
        )
        print(f"submitted {client_order_id}: buy {args.quantity} @ {ask} ({orders_pb2.OrderStatus.Name(submitted.order.status)})")

        # Done when the fills received add up to the order: an order's FILLED event can come before its
        # last fill on the stream, so the fills are what count.
        quantity = Decimal(args.quantity)
        fills = []
        filled = Decimal(0)
        while filled < quantity:
            try:
                update = updates.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                print(f"timed out waiting for the fill of {client_order_id}", file=sys.stderr)
                return 2
            if isinstance(update, grpc.RpcError):
                raise update
            kind = update.WhichOneof("update")
            if kind == "fill" and update.fill.client_order_id == client_order_id:
                f = update.fill
                filled += to_decimal(f.quantity)
                fills.append({"fillId": f.fill_id, "price": str(to_decimal(f.price)), "quantity": str(to_decimal(f.quantity))})
                print(f"fill {f.fill_id}: {to_decimal(f.quantity)} @ {to_decimal(f.price)}, fee {to_decimal(f.fee)} {f.fee_currency}")
            elif kind == "event" and update.event.order.client_order_id == client_order_id:
                status = update.event.order.status
                print(f"order {client_order_id} {orders_pb2.OrderStatus.Name(status)}")
                if status in (orders_pb2.ORDER_STATUS_REJECTED, orders_pb2.ORDER_STATUS_DENIED, orders_pb2.ORDER_STATUS_CANCELED):
                    print(f"order ended unfilled: {update.event.reason.message}", file=sys.stderr)
                    return 1
        update_stream.cancel()

        positions = portfolio.GetPositions(portfolio_pb2.GetPositionsRequest(), metadata=auth, timeout=5).positions
        mine = next((p for p in positions if p.instrument == instrument), None)
        position = to_decimal(mine.quantity) if mine is not None else Decimal(0)
        print(f"position {args.instrument} {position}")
        print("RESULT " + json.dumps({
            "clientOrderId": client_order_id,
            "status": "filled",
            "fills": fills,
            "position": str(position),
        }))
        return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gateway", default=os.environ.get("OPENFLOOR_GATEWAY", "127.0.0.1:7400"))
    parser.add_argument("--token", default=os.environ.get("OPENFLOOR_TOKEN"))
    parser.add_argument("--instrument", default="BTC/USDT:sim")
    parser.add_argument("--quantity", default="0.01")
    parser.add_argument("--timeout", type=float, default=15.0, help="seconds to wait for data and the fill")
    args = parser.parse_args()
    if not args.token:
        parser.error("--token (or OPENFLOOR_TOKEN) is required: the gateway prints a development token at start")
    try:
        return run(args)
    except grpc.RpcError as error:
        print(f"gateway error: {error.code().name}: {error.details()}", file=sys.stderr)
        return 1
    except TimeoutError as error:
        print(f"timed out: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
