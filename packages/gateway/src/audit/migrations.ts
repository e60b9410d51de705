/**
 * Versioned schema of the audit store. Append new versions; never edit an applied one (the checksum of
 * each applied migration is kept and checked at start).
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

const APPEND_ONLY = ["audit_log", "order_events", "fills", "risk_events"] as const;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "orders, events, fills, positions, sessions, risk events, hash-chained audit log",
    sql: `
CREATE TABLE orders (
  strategy_id              text        NOT NULL,
  client_order_id          text        NOT NULL,
  account                  text        NOT NULL,
  venue                    text        NOT NULL,
  symbol                   text        NOT NULL,
  side                     text        NOT NULL,
  order_type               text        NOT NULL,
  time_in_force            text        NOT NULL,
  quantity                 numeric     NOT NULL,
  price                    numeric,
  trigger_price            numeric,
  post_only                boolean     NOT NULL,
  reduce_only              boolean     NOT NULL,
  expire_time_ns           bigint,
  status                   text        NOT NULL,
  venue_order_id           text,
  filled_quantity          numeric     NOT NULL DEFAULT 0,
  filled_notional          numeric     NOT NULL DEFAULT 0,
  replaces_client_order_id text,
  last_reason              jsonb,
  order_json               jsonb       NOT NULL,
  created_ns               bigint      NOT NULL,
  updated_ns               bigint      NOT NULL,
  PRIMARY KEY (strategy_id, client_order_id)
);
CREATE INDEX orders_open ON orders (venue) WHERE status NOT IN ('denied', 'rejected', 'filled', 'canceled', 'expired');

CREATE TABLE order_events (
  id              bigserial   PRIMARY KEY,
  strategy_id     text        NOT NULL,
  client_order_id text        NOT NULL,
  kind            text        NOT NULL,
  event_id        text,
  status_after    text        NOT NULL,
  event_json      jsonb       NOT NULL,
  ts_ns           bigint      NOT NULL,
  recorded_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX order_events_order ON order_events (strategy_id, client_order_id, id);

CREATE TABLE fills (
  venue           text        NOT NULL,
  fill_id         text        NOT NULL,
  strategy_id     text        NOT NULL,
  client_order_id text        NOT NULL,
  venue_order_id  text        NOT NULL,
  account         text        NOT NULL,
  symbol          text        NOT NULL,
  side            text        NOT NULL,
  price           numeric     NOT NULL,
  quantity        numeric     NOT NULL,
  fee             numeric     NOT NULL,
  fee_currency    text        NOT NULL,
  liquidity       text        NOT NULL,
  ts_ns           bigint      NOT NULL,
  recorded_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (venue, fill_id)
);
CREATE INDEX fills_time ON fills (venue, ts_ns);

CREATE TABLE positions (
  account      text    NOT NULL,
  venue        text    NOT NULL,
  symbol       text    NOT NULL,
  strategy_id  text    NOT NULL DEFAULT '',
  quantity     numeric NOT NULL,
  snapshot     jsonb   NOT NULL,
  updated_ns   bigint  NOT NULL,
  PRIMARY KEY (account, venue, symbol, strategy_id)
);

CREATE TABLE strategy_sessions (
  id              bigserial   PRIMARY KEY,
  gateway_id      text        NOT NULL,
  strategy_id     text        NOT NULL,
  peer            text,
  connected_at    timestamptz NOT NULL DEFAULT now(),
  disconnected_at timestamptz
);

CREATE TABLE risk_events (
  id           bigserial   PRIMARY KEY,
  gateway_id   text        NOT NULL,
  kind         text        NOT NULL,
  strategy_id  text,
  detail       jsonb       NOT NULL,
  ts_ns        bigint      NOT NULL,
  recorded_at  timestamptz NOT NULL DEFAULT now()
);

-- One hash chain per gateway: hash = sha256(prev_hash || seq || kind || payload), so any altered,
-- removed or reordered row breaks every hash after it.
CREATE TABLE audit_log (
  gateway_id   text        NOT NULL,
  seq          bigint      NOT NULL,
  kind         text        NOT NULL,
  payload      text        NOT NULL,
  ts_ns        bigint      NOT NULL,
  prev_hash    bytea       NOT NULL,
  hash         bytea       NOT NULL,
  recorded_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (gateway_id, seq)
);
CREATE INDEX audit_log_time ON audit_log (ts_ns);

CREATE FUNCTION openfloor_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'openfloor: % on % refused: the audit tables are append-only', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END
$$;
${APPEND_ONLY.map(
  (
    t,
  ) => `CREATE TRIGGER ${t}_append_only BEFORE UPDATE OR DELETE ON ${t} FOR EACH ROW EXECUTE FUNCTION openfloor_refuse_change();
CREATE TRIGGER ${t}_no_truncate BEFORE TRUNCATE ON ${t} FOR EACH STATEMENT EXECUTE FUNCTION openfloor_refuse_change();`,
).join("\n")}
`,
  },
];

export const APPEND_ONLY_TABLES = APPEND_ONLY;
