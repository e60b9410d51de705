const BRAND = Symbol.for("openfloor.error");

/**
 * Base of every error openfloor throws. `code` is a stable string literal callers branch on;
 * `context` carries the values involved (never secrets). Branded so `instanceof` works across
 * duplicate copies of the package in one process.
 */
export class OpenfloorError<Code extends string = string> extends Error {
  readonly code: Code;
  readonly context: Readonly<Record<string, unknown>>;
  readonly [BRAND] = true;

  constructor(
    code: Code,
    message: string,
    options: { cause?: unknown; context?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.context = Object.freeze({ ...(options.context ?? {}) });
  }

  // `this` is the class `instanceof` was asked about (OpenfloorError or a subclass): that is the point.
  // biome-ignore-start lint/complexity/noThisInStatic: see above
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (typeof value !== "object" || value === null || !(BRAND in value)) return false;
    // Subclasses: compare by prototype chain of names so copies of the package still match.
    if (this === OpenfloorError) return true;
    let proto = Object.getPrototypeOf(value);
    while (proto !== null) {
      if (proto.constructor?.name === this.name) return true;
      proto = Object.getPrototypeOf(proto);
    }
    return false;
  }
  // biome-ignore-end lint/complexity/noThisInStatic: see above
}

export function isOpenfloorError(value: unknown): value is OpenfloorError {
  return value instanceof OpenfloorError;
}
