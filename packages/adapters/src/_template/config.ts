// TEMPLATE — copy this folder to src/<your-venue>/ and rename "example"/"Example" throughout.
//
// config.ts (REQUIRED): the venue's config as a zod schema. The registry validates raw config against it
// before `create` is called and reports each wrong key and why (`venues.example.restUrl: Invalid URL`).
// Secrets never live in config: name the environment variables that hold them.
import { z } from "zod";

export const exampleConfigSchema = z.strictObject({
  /** REST base URL. Default the venue's production URL. */
  restUrl: z.url().default("https://api.example.com"),
  /** Websocket URL of the public and private streams. */
  wsUrl: z.url().default("wss://stream.example.com/ws"),
  /** Environment variables with the API key and secret (read at connect, never logged). */
  apiKeyEnv: z.string().default("EXAMPLE_API_KEY"),
  apiSecretEnv: z.string().default("EXAMPLE_API_SECRET"),
  /** First reconnect delay in ms; doubles per failure up to `reconnectMaxMs`, with jitter. Default 250. */
  reconnectInitialMs: z.number().min(1).default(250),
  /** Default 10000. */
  reconnectMaxMs: z.number().min(1).default(10_000),
  /** Timeout of one REST request in ms. Default 10000. */
  requestTimeoutMs: z.number().min(1).default(10_000),
});

export type ExampleConfig = z.output<typeof exampleConfigSchema>;
