import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DecimalError } from "../errors/domain-errors.js";
import { OpenfloorError } from "../errors/openfloor-error.js";
import { Decimal, MAX_SCALE, type RoundingMode } from "./decimal.js";

/** Reference model: exact rationals n/d (d > 0) over bigint, written independently of Decimal. */
type Rational = { n: bigint; d: bigint };
const gcd = (a: bigint, b: bigint): bigint => {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x === 0n ? 1n : x;
};
const rat = (n: bigint, d: bigint): Rational => {
  const s = d < 0n ? -1n : 1n;
  const g = gcd(n, d);
  return { n: (s * n) / g, d: (s * d) / g };
};
const fromDec = (x: Decimal): Rational => rat(x.units, 10n ** BigInt(x.scale));
const addR = (a: Rational, b: Rational) => rat(a.n * b.d + b.n * a.d, a.d * b.d);
const mulR = (a: Rational, b: Rational) => rat(a.n * b.n, a.d * b.d);
const divR = (a: Rational, b: Rational) => rat(a.n * b.d, a.d * b.n);
const eqR = (a: Rational, b: Rational) => a.n === b.n && a.d === b.d;
const floorDiv = (a: bigint, b: bigint) => {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
};
/** Round rational r to `scale` places: returns the integer units. */
function roundR(r: Rational, scale: number, mode: RoundingMode): bigint {
  const p = r.n * 10n ** BigInt(scale);
  const fl = floorDiv(p, r.d);
  const frac = rat(p - fl * r.d, r.d); // in [0, 1)
  if (frac.n === 0n) return fl;
  const half = frac.n * 2n - frac.d; // <0 below half, 0 at half, >0 above
  const up = fl + 1n;
  const towardZero = fl >= 0n ? fl : up;
  const awayZero = fl >= 0n ? up : fl;
  switch (mode) {
    case "floor":
      return fl;
    case "ceil":
      return up;
    case "down":
      return towardZero;
    case "up":
      return awayZero;
    case "half-up":
      return half < 0n ? fl : half > 0n ? up : awayZero;
    case "half-down":
      return half < 0n ? fl : half > 0n ? up : towardZero;
    case "half-even":
      return half < 0n ? fl : half > 0n ? up : fl % 2n === 0n ? fl : up;
  }
}

// Up to 9 digits each side, so exact products stay inside 64-bit fixed point.
const decimalArb = fc
  .record({ units: fc.bigInt({ min: -(10n ** 9n), max: 10n ** 9n }), scale: fc.integer({ min: 0, max: 8 }) })
  .map(({ units, scale }) => Decimal.fromUnits(units, scale));
const INT64_MAX = (1n << 63n) - 1n;
const modeArb = fc.constantFrom<RoundingMode>(
  "half-even",
  "half-up",
  "half-down",
  "up",
  "down",
  "ceil",
  "floor",
);

describe("Decimal", () => {
  it("parses and formats strings exactly", () => {
    expect(Decimal.parse("50000.01").toString()).toBe("50000.01");
    expect(Decimal.parse("-0.000001").toString()).toBe("-0.000001");
    expect(Decimal.parse("+7").toString()).toBe("7");
    expect(Decimal.parse("1.5e-3").toString()).toBe("0.0015");
    expect(Decimal.parse("2E3").toString()).toBe("2000");
    expect(Decimal.parse("1.50").toString()).toBe("1.50");
    expect(Decimal.parse("1.50").eq("1.5")).toBe(true);
  });

  it("adds 0.1 and 0.2 to exactly 0.3, unlike floats", () => {
    expect(Decimal.from("0.1").add("0.2").eq("0.3")).toBe(true);
    expect(Decimal.fromNumber(0.1 + 0.2).toString()).toBe("0.30000000000000004");
    expect(Decimal.fromNumber(0.1 + 0.2, { scale: 8 }).toString()).toBe("0.30000000");
    expect(Decimal.fromNumber(50000.01, { scale: 2 }).toString()).toBe("50000.01");
    expect(Decimal.fromNumber(1e-7).toString()).toBe("0.0000001");
  });

  it("divides with explicit rounding", () => {
    expect(Decimal.from("10").div("3", { scale: 4 }).toString()).toBe("3.3333");
    expect(Decimal.from("2").div("3", { scale: 2, rounding: "down" }).toString()).toBe("0.66");
    expect(Decimal.from("2").div("3", { scale: 2, rounding: "half-even" }).toString()).toBe("0.67");
    expect(Decimal.from("-2.5").round(0).toString()).toBe("-2");
    expect(Decimal.from("-2.5").round(0, "half-up").toString()).toBe("-3");
    expect(Decimal.from("-2.5").round(0, "floor").toString()).toBe("-3");
    expect(Decimal.from("-2.5").round(0, "ceil").toString()).toBe("-2");
  });

  it("rounds to an instrument's increment", () => {
    expect(Decimal.from("50000.037").roundToIncrement("0.01").toString()).toBe("50000.04");
    expect(Decimal.from("0.123456").roundToIncrement("0.0005", "down").toString()).toBe("0.1230");
    expect(Decimal.from("17").roundToIncrement("5").toString()).toBe("15");
    expect(Decimal.from("0.0150").isMultipleOf("0.005")).toBe(true);
    expect(Decimal.from("0.0151").isMultipleOf("0.005")).toBe(false);
  });

  it("round-trips through the protobuf Decimal losslessly", () => {
    fc.assert(
      fc.property(decimalArb, (d) => {
        const back = Decimal.fromProto(d.toProto());
        expect(back.units).toBe(d.units);
        expect(back.scale).toBe(d.scale);
      }),
    );
    const big = Decimal.fromUnits((1n << 63n) - 1n, 18);
    expect(Decimal.fromProto(big.toProto()).toString()).toBe("9.223372036854775807");
  });

  it.each([
    ["", "DECIMAL_MALFORMED"],
    ["abc", "DECIMAL_MALFORMED"],
    ["1,5", "DECIMAL_MALFORMED"],
    ["0x10", "DECIMAL_MALFORMED"],
    ["NaN", "DECIMAL_NOT_FINITE"],
    ["-Infinity", "DECIMAL_NOT_FINITE"],
    ["1e-19", "DECIMAL_PRECISION"],
    ["0.0000000000000000001", "DECIMAL_PRECISION"],
    ["9223372036854775808", "DECIMAL_OVERFLOW"],
    ["1e400", "DECIMAL_OVERFLOW"],
  ])("rejects %j with %s naming the value", (text, code) => {
    try {
      Decimal.parse(text);
      expect.fail(`parsed ${text}`);
    } catch (e) {
      expect(e).toBeInstanceOf(DecimalError);
      expect(e).toBeInstanceOf(OpenfloorError);
      expect((e as DecimalError).code).toBe(code);
      expect((e as DecimalError).message).toContain(text === "" ? '""' : text);
    }
  });

  it("rejects non-finite and unsafe numbers", () => {
    expect(() => Decimal.from(Number.NaN)).toThrow(DecimalError);
    expect(() => Decimal.from(Number.POSITIVE_INFINITY)).toThrow(/not a finite number/);
    expect(() => Decimal.from(0.1)).toThrow(/not a safe integer/);
    expect(() => Decimal.from("1").div(0)).toThrow(/division of 1 by zero/);
  });

  it("refuses absurd scales from the wire at once", () => {
    expect(Decimal.fromProto({ mantissa: 0n, scale: 4294967295 }).isZero()).toBe(true);
    expect(() => Decimal.fromProto({ mantissa: 1n, scale: 4294967295 })).toThrow(DecimalError);
    expect(() => Decimal.fromProto({ mantissa: 10n ** 18n, scale: 4294967295 })).toThrow(DecimalError);
  });

  it("keeps trailing-zero scale within range and drops it when it must", () => {
    expect(Decimal.fromUnits(10n ** 19n, 19).toString()).toBe("1.000000000000000000");
    expect(Decimal.from("0.000000001").mul("0.000000001").toString()).toBe(`0.${"0".repeat(17)}1`);
    expect(() => Decimal.from("0.0000000001").mul("0.000000001")).toThrow(DecimalError);
    expect(Decimal.from("0.0000000001").mul("0.000000001", { scale: MAX_SCALE }).isZero()).toBe(true);
  });

  describe("agrees with a rational reference model", () => {
    it("add, sub, mul are exact", () => {
      fc.assert(
        fc.property(decimalArb, decimalArb, (a, b) => {
          expect(eqR(fromDec(a.add(b)), addR(fromDec(a), fromDec(b)))).toBe(true);
          expect(eqR(fromDec(a.sub(b)), addR(fromDec(a), rat(-fromDec(b).n, fromDec(b).d)))).toBe(true);
          expect(eqR(fromDec(a.mul(b)), mulR(fromDec(a), fromDec(b)))).toBe(true);
        }),
        { numRuns: 500 },
      );
    });

    it("div rounds like the reference for every mode", () => {
      fc.assert(
        fc.property(decimalArb, decimalArb, fc.integer({ min: 0, max: 12 }), modeArb, (a, b, scale, mode) => {
          fc.pre(!b.isZero());
          const expected = roundR(divR(fromDec(a), fromDec(b)), scale, mode);
          let stripped = expected;
          while (stripped !== 0n && stripped % 10n === 0n) stripped /= 10n;
          if (stripped > INT64_MAX || stripped < -INT64_MAX) {
            expect(() => a.div(b, { scale, rounding: mode })).toThrow(/does not fit 64-bit/);
            return;
          }
          const q = a.div(b, { scale, rounding: mode });
          // Trailing zeros may be dropped to stay within 64 bits; the value must be the reference's.
          expect(eqR(fromDec(q), rat(expected, 10n ** BigInt(scale)))).toBe(true);
        }),
        { numRuns: 1000 },
      );
    });

    it("round and cmp agree with the reference", () => {
      fc.assert(
        fc.property(decimalArb, decimalArb, fc.integer({ min: 0, max: 8 }), modeArb, (a, b, scale, mode) => {
          const r = a.round(scale, mode);
          expect(eqR(fromDec(r), rat(roundR(fromDec(a), scale, mode), 10n ** BigInt(scale)))).toBe(true);
          const ra = fromDec(a);
          const rb = fromDec(b);
          const diff = ra.n * rb.d - rb.n * ra.d;
          expect(a.cmp(b)).toBe(diff < 0n ? -1 : diff > 0n ? 1 : 0);
        }),
        { numRuns: 500 },
      );
    });

    it("parse(toString(x)) is x", () => {
      fc.assert(
        fc.property(decimalArb, (a) => {
          const b = Decimal.parse(a.toString());
          expect(b.units).toBe(a.units);
          expect(b.scale).toBe(a.scale);
        }),
      );
    });
  });
});
