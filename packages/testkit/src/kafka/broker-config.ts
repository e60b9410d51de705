import { LOOPBACK } from "../internal/ports.js";

export interface BrokerLayout {
  port: number;
  controllerPort: number;
  dataDir: string;
}

export type BrokerSettings = Record<string, string | number | boolean>;

/** Single-node KRaft: one process is both controller and broker; internal topics have one replica. */
export function serverProperties(layout: BrokerLayout, overrides: BrokerSettings = {}): string {
  const settings: BrokerSettings = {
    "process.roles": "broker,controller",
    "node.id": 1,
    "controller.quorum.voters": `1@${LOOPBACK}:${layout.controllerPort}`,
    listeners: `PLAINTEXT://${LOOPBACK}:${layout.port},CONTROLLER://${LOOPBACK}:${layout.controllerPort}`,
    "advertised.listeners": `PLAINTEXT://${LOOPBACK}:${layout.port}`,
    "controller.listener.names": "CONTROLLER",
    "inter.broker.listener.name": "PLAINTEXT",
    "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
    "log.dirs": layout.dataDir,
    "num.partitions": 1,
    "default.replication.factor": 1,
    "auto.create.topics.enable": true,
    "offsets.topic.replication.factor": 1,
    "offsets.topic.num.partitions": 1,
    "transaction.state.log.replication.factor": 1,
    "transaction.state.log.min.isr": 1,
    "transaction.state.log.num.partitions": 1,
    "share.coordinator.state.topic.replication.factor": 1,
    "share.coordinator.state.topic.min.isr": 1,
    "share.coordinator.state.topic.num.partitions": 1,
    "group.initial.rebalance.delay.ms": 0,
    // Sized for a test machine: a couple of cores, a small heap.
    "num.network.threads": 2,
    "num.io.threads": 2,
    "log.cleaner.dedupe.buffer.size": 8 * 1024 * 1024,
    ...overrides,
  };
  const escapeValue = (value: string) => value.replaceAll("\\", "\\\\").replaceAll("\n", "\\n");
  return `${Object.entries(settings)
    .map(([key, value]) => `${key}=${escapeValue(String(value))}`)
    .join("\n")}\n`;
}

/** Everything the broker logs goes to `logFile`, nothing to the test's stdout. */
export function log4j2Properties(logFile: string): string {
  return [
    "status = warn",
    "appender.file.type = File",
    "appender.file.name = file",
    `appender.file.fileName = ${logFile.replaceAll("\\", "\\\\")}`,
    "appender.file.layout.type = PatternLayout",
    "appender.file.layout.pattern = [%d] %p %m (%c)%n",
    "rootLogger.level = INFO",
    "rootLogger.appenderRef.file.ref = file",
    // The per-request and state-change loggers are noisy at INFO and say nothing tests need.
    "logger.request.name = kafka.request.logger",
    "logger.request.level = WARN",
    "logger.state.name = state.change.logger",
    "logger.state.level = WARN",
    "",
  ].join("\n");
}
