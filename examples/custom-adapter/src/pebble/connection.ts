// The transport to a Pebble venue: requests ("REST") and one stream session ("websocket"). In this example
// the venue is in memory (`memory://<name>`); a real venue would put fetch() and a WebSocket here, and
// nothing above this file would change.
import { VenueUnavailableError } from "@openfloor/core";
import { PebbleHttpError, resolvePebble } from "../venue/pebble-venue.js";
import { mapPebbleError } from "./errors.js";

export interface PebbleStream {
  send(command: Record<string, unknown>): void;
  close(): void;
}

export class PebbleConnection {
  constructor(
    private readonly venue: string,
    private readonly endpoint: string,
    private readonly apiKey: string | undefined,
  ) {}

  /** One request; a refusal is the typed error of its code (`mapPebbleError`). */
  async request(route: string, params: Record<string, string> = {}): Promise<string> {
    const server = resolvePebble(this.endpoint);
    if (server === undefined) throw this.unreachable();
    try {
      return server.request(this.apiKey, route, params);
    } catch (error) {
      if (error instanceof PebbleHttpError) throw mapPebbleError(this.venue, error.status, error.body);
      throw error;
    }
  }

  /** Opens the stream; `onClose` is called when the venue or the network ends it (not after `close()`). */
  openStream(onMessage: (text: string) => void, onClose: () => void): PebbleStream {
    const server = resolvePebble(this.endpoint);
    if (server === undefined) throw this.unreachable();
    let session: ReturnType<typeof server.connect>;
    try {
      session = server.connect(this.apiKey, onMessage, onClose);
    } catch (error) {
      if (error instanceof PebbleHttpError) throw mapPebbleError(this.venue, error.status, error.body);
      throw error;
    }
    return {
      send: (command) => {
        try {
          session.send(JSON.stringify(command));
        } catch (error) {
          if (error instanceof PebbleHttpError) throw mapPebbleError(this.venue, error.status, error.body);
          throw error;
        }
      },
      close: () => session.close(),
    };
  }

  private unreachable(): VenueUnavailableError {
    return new VenueUnavailableError(
      "VENUE_UNAVAILABLE",
      `${this.venue}: nothing listens at ${this.endpoint}`,
      {
        context: { venue: this.venue, endpoint: this.endpoint },
      },
    );
  }
}
