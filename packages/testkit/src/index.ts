export type { TestkitErrorCode } from "./errors.js";
export { isTestkitError, TestkitError } from "./errors.js";
export type { BrokerSettings } from "./kafka/broker-config.js";
export type { KafkaCacheCheck, KafkaJarsOptions } from "./kafka/jar-cache.js";
export { ensureKafkaJars, KAFKA_VERSION, verifyKafkaCache } from "./kafka/jar-cache.js";
export type { KafkaBroker, KafkaConnection, KafkaOptions } from "./kafka/start-kafka.js";
export { startKafka } from "./kafka/start-kafka.js";
export type { PostgresConnection, PostgresOptions, PostgresServer } from "./postgres/start-postgres.js";
export { startPostgres } from "./postgres/start-postgres.js";
