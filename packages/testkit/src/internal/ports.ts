import { createServer } from "node:net";
import { TestkitError } from "../errors.js";

export const LOOPBACK = "127.0.0.1";

function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen({ port, host: LOOPBACK, exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === "object" && address !== null ? address.port : port;
      server.close(() => resolve(bound));
    });
  });
}

function isAddressInUse(error: unknown): boolean {
  return typeof error === "object" && error !== null && "code" in error && error.code === "EADDRINUSE";
}

/** A loopback port the kernel just handed out; the caller binds it right away and retries on a race. */
export function freePort(): Promise<number> {
  return listenOnce(0);
}

/** Throws `PORT_BUSY` naming `port` when something already listens on it. */
export async function assertPortFree(port: number, what: string): Promise<void> {
  try {
    await listenOnce(port);
  } catch (error) {
    if (isAddressInUse(error)) throw portBusy(port, what, error);
    throw error;
  }
}

export function portBusy(port: number, what: string, cause?: unknown): TestkitError {
  return new TestkitError(
    "PORT_BUSY",
    `${what}: port ${port} on ${LOOPBACK} is already in use. Stop whatever listens on it, ` +
      "or leave the port option out to get a free port.",
    { cause },
  );
}
