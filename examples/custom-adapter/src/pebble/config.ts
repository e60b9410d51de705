// The Pebble adapter's config, validated by the registry before the adapter is created
// (`gateway.yaml: venues.pebble.config.endpoint: …`). The API key is named by env var, never inlined.
import { z } from "zod";

export const pebbleConfigSchema = z.strictObject({
  /** Where the venue listens. In this example venues are in memory: `memory://<name>` (see `listenPebble`). */
  endpoint: z.string().regex(/^memory:\/\/.+/, "expected memory://<name>"),
  /** Environment variable holding the API key (read at connect, never logged). Default `PEBBLE_API_KEY`. */
  apiKeyEnv: z.string().default("PEBBLE_API_KEY"),
  /** First reconnect delay in ms; doubles per failure up to `reconnectMaxMs`. Default 20. */
  reconnectInitialMs: z.number().min(1).default(20),
  /** Default 2000. */
  reconnectMaxMs: z.number().min(1).default(2000),
});

export type PebbleConfig = z.output<typeof pebbleConfigSchema>;
export type PebbleConfigInput = z.input<typeof pebbleConfigSchema>;
