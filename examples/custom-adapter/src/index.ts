// @openfloor/example-custom-adapter — a venue adapter for "Pebble", a made-up exchange, and the venue.

export { PEBBLE_CAPABILITIES, PebbleAdapter, pebbleAdapterFactory } from "./pebble/factory.js";
export { pebbleConfigSchema } from "./pebble/config.js";
export type { PebbleConfig, PebbleConfigInput } from "./pebble/config.js";
export { mapPebbleError } from "./pebble/errors.js";
export {
  closePebble,
  listenPebble,
  PEBBLE_CODES,
  PEBBLE_DEFAULT_MARKETS,
  PebbleVenue,
  resolvePebble,
} from "./venue/pebble-venue.js";
export type { PebbleMarket, PebbleVenueOptions } from "./venue/pebble-venue.js";
