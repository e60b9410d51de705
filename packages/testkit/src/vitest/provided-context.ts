/** Key under which the global setup provides the control server's URL to test files. */
export const TESTKIT_URL_KEY = "openfloorTestkitUrl";

declare module "vitest" {
  interface ProvidedContext {
    /** URL of the `@openfloor/testkit` control server; set by its vitest global setup. */
    openfloorTestkitUrl?: string;
  }
}
