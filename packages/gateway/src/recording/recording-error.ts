import { OpenfloorError } from "@openfloor/core";
import { describeError } from "./kafka-topics.js";

export type RecordingErrorCode = "KAFKA_UNAVAILABLE" | "RECORDING_LOG_NOT_FOUND";

/** A recording setup failure: brokers that cannot be reached, a segment log that is not there. */
export class RecordingError extends OpenfloorError<RecordingErrorCode> {
  /** The error for brokers that did not answer, naming them (the cause keeps the client's error). */
  static unavailable(brokers: readonly string[], cause: unknown): RecordingError {
    return new RecordingError(
      "KAFKA_UNAVAILABLE",
      `cannot reach the Kafka brokers ${brokers.join(",")}: ${describeError(cause).split("; ")[0]}`,
      { cause, context: { brokers: brokers.join(",") } },
    );
  }
}

/** Runs `connect`, turning a failure into `RecordingError.unavailable` naming the brokers. */
export async function connectOrExplain<T>(brokers: readonly string[], connect: () => Promise<T>): Promise<T> {
  try {
    return await connect();
  } catch (error) {
    throw RecordingError.unavailable(brokers, error);
  }
}
