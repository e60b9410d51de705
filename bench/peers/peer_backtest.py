"""One peer backtest run of the comparison's decision rule (see bench/peers/README.md), in its own process.

    python peer_backtest.py nautilus   --data FILE [--every 1000]
    python peer_backtest.py backtrader --data FILE [--every 1000]

Load (CSV into the engine's in-memory form) and run (the engine over it) are timed apart; prints one JSON line.
"""

import argparse
import json
import resource
import sys
import time

import pandas as pd

NET_LIMIT = 5


def decide(state: dict, bid_size, ask_size, every: int):
    """The shared rule: count every quote's imbalance; every `every`-th quote, buy or sell 0.01 (None otherwise)."""
    state["quotes"] += 1
    state["imbalance"] += 1 if bid_size > ask_size else -1
    if state["quotes"] % every != 0:
        return None
    buy = state["net"] <= -NET_LIMIT or (state["imbalance"] > 0 and state["net"] < NET_LIMIT)
    state["net"] += 1 if buy else -1
    state["sent"] += 1
    return buy


def read_csv(path: str) -> pd.DataFrame:
    return pd.read_csv(
        path,
        dtype={
            "ts": "int64",
            "type": "category",
            "bid_price": "float64",
            "bid_size": "float64",
            "ask_price": "float64",
            "ask_size": "float64",
            "price": "float64",
            "size": "float64",
            "aggressor": "object",
            "trade_id": "object",
        },
        usecols=[
            "ts",
            "type",
            "bid_price",
            "bid_size",
            "ask_price",
            "ask_size",
            "price",
            "size",
            "aggressor",
            "trade_id",
        ],
    )


def run_nautilus(path: str, every: int) -> dict:
    from nautilus_trader.backtest.engine import BacktestEngine, BacktestEngineConfig
    from nautilus_trader.config import LoggingConfig, StrategyConfig
    from nautilus_trader.model.currencies import BTC, USDT
    from nautilus_trader.model.data import QuoteTick, TradeTick
    from nautilus_trader.model.enums import AccountType, OmsType, OrderSide
    from nautilus_trader.model.identifiers import TraderId, Venue
    from nautilus_trader.model.objects import Money, Quantity
    from nautilus_trader.persistence.wranglers import QuoteTickDataWrangler, TradeTickDataWrangler
    from nautilus_trader.test_kit.providers import TestInstrumentProvider
    from nautilus_trader.trading.strategy import Strategy

    instrument = TestInstrumentProvider.btcusdt_binance()

    class PeerRuleConfig(StrategyConfig, frozen=True):
        every: int = 1000

    class PeerRule(Strategy):
        def __init__(self, config: PeerRuleConfig):
            super().__init__(config)
            self.every = config.every
            self.rule = {"quotes": 0, "imbalance": 0, "net": 0, "sent": 0}
            self.trades = 0
            self.fills = 0
            self.qty = Quantity.from_str("0.010000")

        def on_start(self):
            self.subscribe_quote_ticks(instrument.id)
            self.subscribe_trade_ticks(instrument.id)

        def on_trade_tick(self, tick: TradeTick):
            self.trades += 1

        def on_quote_tick(self, tick: QuoteTick):
            buy = decide(self.rule, tick.bid_size, tick.ask_size, self.every)
            if buy is None:
                return
            order = self.order_factory.market(
                instrument.id, OrderSide.BUY if buy else OrderSide.SELL, self.qty
            )
            self.submit_order(order)

        def on_order_filled(self, event):
            self.fills += 1

    t0 = time.perf_counter()
    df = read_csv(path)
    quotes = df[df["type"] == "quote"]
    trades = df[df["type"] == "trade"]
    q = pd.DataFrame(
        {
            "bid_price": quotes["bid_price"].to_numpy(),
            "ask_price": quotes["ask_price"].to_numpy(),
            "bid_size": quotes["bid_size"].to_numpy(),
            "ask_size": quotes["ask_size"].to_numpy(),
        },
        index=pd.to_datetime(quotes["ts"].to_numpy(), utc=True),
    )
    t = pd.DataFrame(
        {
            "price": trades["price"].to_numpy(),
            "quantity": trades["size"].to_numpy(),
            "side": trades["aggressor"].to_numpy(),
            "trade_id": trades["trade_id"].to_numpy(),
        },
        index=pd.to_datetime(trades["ts"].to_numpy(), utc=True),
    )
    del df, quotes, trades
    quote_ticks = QuoteTickDataWrangler(instrument).process(q)
    trade_ticks = TradeTickDataWrangler(instrument).process(t)
    del q, t
    engine = BacktestEngine(
        config=BacktestEngineConfig(
            trader_id=TraderId("BENCH-001"),
            logging=LoggingConfig(log_level="ERROR", bypass_logging=True),
        )
    )
    engine.add_venue(
        venue=Venue("BINANCE"),
        oms_type=OmsType.NETTING,
        account_type=AccountType.CASH,
        base_currency=None,
        starting_balances=[Money(100_000_000, USDT), Money(1000, BTC)],
    )
    engine.add_instrument(instrument)
    engine.add_data(quote_ticks)
    engine.add_data(trade_ticks)
    events = len(quote_ticks) + len(trade_ticks)
    del quote_ticks, trade_ticks
    strategy = PeerRule(PeerRuleConfig(every=every))
    engine.add_strategy(strategy)
    load = time.perf_counter() - t0

    cpu0 = time.process_time()
    t1 = time.perf_counter()
    engine.run()
    run = time.perf_counter() - t1
    cpu = time.process_time() - cpu0
    orders = len(engine.cache.orders())
    engine.dispose()
    return {
        "events": events,
        "quotes": strategy.rule["quotes"],
        "trades": strategy.trades,
        "loadSeconds": load,
        "runSeconds": run,
        "cpuSeconds": cpu,
        "orders": orders,
        "fills": strategy.fills,
    }


def run_backtrader(path: str, every: int) -> dict:
    import backtrader as bt

    class EventRows(bt.feed.DataBase):
        """One row per market event: OHLC = mid (quote) or trade price; extra lines carry the quote sizes and the kind.

        Reads from numpy columns prepared beforehand (PandasData converts every timestamp one by one: ~6k rows/s).
        """

        lines = ("bid_size", "ask_size", "kind")
        params = (("columns", None), ("timeframe", bt.TimeFrame.Ticks))

        def start(self):
            super().start()
            self._i = 0
            c = self.p.columns
            self._cols = (c["dt"], c["price"], c["volume"], c["bid_size"], c["ask_size"], c["kind"])
            self._n = len(c["dt"])

        def _load(self):
            i = self._i
            if i >= self._n:
                return False
            dt, price, volume, bid_size, ask_size, kind = self._cols
            line = self.lines
            p = float(price[i])
            line.datetime[0] = float(dt[i])
            line.open[0] = p
            line.high[0] = p
            line.low[0] = p
            line.close[0] = p
            line.volume[0] = float(volume[i])
            line.openinterest[0] = 0.0
            line.bid_size[0] = float(bid_size[i])
            line.ask_size[0] = float(ask_size[i])
            line.kind[0] = float(kind[i])
            self._i = i + 1
            return True

    class PeerRule(bt.Strategy):
        params = (("every", 1000),)

        def __init__(self):
            self.state = {"quotes": 0, "imbalance": 0, "net": 0, "sent": 0}
            self.trades = 0
            self.fills = 0
            self.orders_seen = 0
            self.run_started = 0.0
            self.run_seconds = 0.0
            self.cpu_started = 0.0
            self.cpu_seconds = 0.0

        def start(self):
            # Called after the feed is preloaded: from here to stop() is the event loop alone.
            self.run_started = time.perf_counter()
            self.cpu_started = time.process_time()

        def next(self):
            d = self.data
            if d.kind[0] == 1.0:
                self.trades += 1
                return
            buy = decide(self.state, d.bid_size[0], d.ask_size[0], self.p.every)
            if buy is None:
                return
            if buy:
                self.buy(size=0.01)
            else:
                self.sell(size=0.01)

        def notify_order(self, order):
            if order.status == order.Completed:
                self.fills += 1
            if order.status in (order.Completed, order.Canceled, order.Margin, order.Rejected):
                self.orders_seen += 1

        def stop(self):
            self.run_seconds = time.perf_counter() - self.run_started
            self.cpu_seconds = time.process_time() - self.cpu_started

    t0 = time.perf_counter()
    df = read_csv(path)
    is_trade = (df["type"] == "trade").to_numpy()
    mid = ((df["bid_price"] + df["ask_price"]) / 2).to_numpy()
    columns = {
        # backtrader's date2num: days since 0001-01-01 (proleptic ordinal 1), as a float.
        "dt": 719163.0 + df["ts"].to_numpy() / 86_400e9,
        "price": mid.copy(),
        "volume": df["size"].fillna(0.0).to_numpy(),
        "bid_size": df["bid_size"].fillna(0.0).to_numpy(),
        "ask_size": df["ask_size"].fillna(0.0).to_numpy(),
        "kind": is_trade.astype("float64"),
    }
    columns["price"][is_trade] = df["price"].to_numpy()[is_trade]
    del df, mid
    cerebro = bt.Cerebro(stdstats=False)
    cerebro.adddata(EventRows(columns=columns))
    cerebro.broker.setcash(100_000_000.0)
    cerebro.addstrategy(PeerRule, every=every)
    events = len(columns["dt"])
    wall0 = time.perf_counter()
    strategies = cerebro.run()
    total = time.perf_counter() - wall0
    strategy = strategies[0]
    # cerebro.run() preloads the feed (DataFrame -> lines) before start(): that part counts as load.
    load = (time.perf_counter() - t0) - strategy.run_seconds
    del columns
    return {
        "events": events,
        "quotes": strategy.state["quotes"],
        "trades": strategy.trades,
        "loadSeconds": load,
        "runSeconds": strategy.run_seconds,
        "cpuSeconds": strategy.cpu_seconds,
        "orders": strategy.state["sent"],
        "fills": strategy.fills,
        "cerebroRunSeconds": total,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("engine", choices=["nautilus", "backtrader"])
    parser.add_argument("--data", required=True)
    parser.add_argument("--every", type=int, default=1000)
    a = parser.parse_args()
    out = run_nautilus(a.data, a.every) if a.engine == "nautilus" else run_backtrader(a.data, a.every)
    out["engine"] = a.engine
    out["peakRssMiB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sys.stdout.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
