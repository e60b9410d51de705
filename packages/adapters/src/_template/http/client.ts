// http/client.ts (REQUIRED for REST venues): one place that signs requests, applies the timeout and
// turns every failure into a typed error (see errors.ts). Secrets stay in this object and out of logs.
import { createHmac } from "node:crypto";
import { VenueUnavailableError } from "@openfloor/core";
import type { ExampleConfig } from "../config.js";
import { mapVenueError } from "./errors.js";
import { errorBodySchema } from "./parsers.js";

export interface Credentials {
  readonly apiKey: string;
  readonly apiSecret: string;
}

export class ExampleRest {
  constructor(
    private readonly venue: string,
    private readonly config: ExampleConfig,
    private readonly credentials: Credentials | undefined,
  ) {}

  /** Calls the REST API; private endpoints are signed with HMAC-SHA256 over the query string. */
  async request(
    method: "GET" | "POST" | "DELETE",
    path: string,
    params: Record<string, string> = {},
    signed = false,
  ): Promise<unknown> {
    const query = new URLSearchParams(params);
    const headers: Record<string, string> = {};
    if (signed) {
      if (this.credentials === undefined)
        throw mapVenueError(this.venue, 401, -1022, "no API credentials configured");
      query.set("timestamp", String(Date.now()));
      query.set(
        "signature",
        createHmac("sha256", this.credentials.apiSecret).update(query.toString()).digest("hex"),
      );
      headers["x-api-key"] = this.credentials.apiKey;
    }
    let response: Response;
    try {
      response = await fetch(`${this.config.restUrl}${path}?${query}`, {
        method,
        headers,
        signal: AbortSignal.timeout(this.config.requestTimeoutMs),
      });
    } catch (error) {
      throw new VenueUnavailableError("VENUE_UNAVAILABLE", `${this.venue}: ${method} ${path} failed`, {
        cause: error,
        context: { venue: this.venue, path },
      });
    }
    const body: unknown = await response.json().catch(() => undefined);
    if (response.ok) return body;
    const parsed = errorBodySchema.safeParse(body);
    throw mapVenueError(
      this.venue,
      response.status,
      parsed.success ? parsed.data.code : undefined,
      parsed.success ? parsed.data.msg : `HTTP ${response.status}`,
    );
  }
}
