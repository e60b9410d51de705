// The instrument provider: Pebble's markets, loaded once at connect, as core Instruments.
import type { InstrumentProvider } from "@openfloor/adapters";
import { formatInstrumentId, type Instrument, type InstrumentId } from "@openfloor/core";
import type { PebbleConnection } from "./connection.js";
import { parseMarkets, venueSymbol } from "./parsers.js";

export class PebbleInstruments implements InstrumentProvider {
  private readonly byId = new Map<string, Instrument>();
  private readonly bySym = new Map<string, Instrument>();

  constructor(
    private readonly venue: string,
    private readonly connection: PebbleConnection,
  ) {}

  async loadInstruments(): Promise<readonly Instrument[]> {
    const list = parseMarkets(this.venue, await this.connection.request("GET /markets"));
    this.byId.clear();
    this.bySym.clear();
    for (const i of list) {
      this.byId.set(formatInstrumentId(i.id), i);
      this.bySym.set(venueSymbol(i.id.symbol), i);
    }
    return list;
  }

  instrument(id: InstrumentId): Instrument | undefined {
    return this.byId.get(formatInstrumentId(id));
  }

  /** The instrument id of a Pebble symbol (`BTC-USD`), for the parsers. */
  idOf = (sym: string): InstrumentId | undefined => this.bySym.get(sym)?.id;
}
