// instruments.ts (REQUIRED): the InstrumentProvider. Loads the venue's markets once (and on demand),
// normalized to core Instruments with exact increments, minimums and fees.
import { formatInstrumentId, type Instrument, type InstrumentId } from "@openfloor/core";
import type { InstrumentProvider } from "../contract/adapter.js";
import type { ExampleRest } from "./http/client.js";
import { parseMarkets } from "./http/parsers.js";

export class ExampleInstruments implements InstrumentProvider {
  private readonly byId = new Map<string, Instrument>();
  private readonly byVenueSymbol = new Map<string, Instrument>();

  constructor(
    private readonly venue: string,
    private readonly rest: ExampleRest,
  ) {}

  /** REQUIRED. */
  async loadInstruments(): Promise<readonly Instrument[]> {
    const list = parseMarkets(this.venue, await this.rest.request("GET", "/api/v1/markets"));
    this.byId.clear();
    this.byVenueSymbol.clear();
    for (const i of list) {
      this.byId.set(formatInstrumentId(i.id), i);
      this.byVenueSymbol.set(i.id.symbol.replace("/", "-"), i);
    }
    return list;
  }

  /** REQUIRED: synchronous lookup of a loaded instrument (used by pre-venue validation). */
  instrument(id: InstrumentId): Instrument | undefined {
    return this.byId.get(formatInstrumentId(id));
  }

  /** The instrument of a venue symbol such as "BTC-USDT", for the stream parsers. */
  byVenue(venueSymbol: string): Instrument | undefined {
    return this.byVenueSymbol.get(venueSymbol);
  }
}
