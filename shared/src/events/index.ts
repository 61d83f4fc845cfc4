export {
  defineEvent, EventSchemaError,
  type EventDefinition, type EventEnvelope, type EventMeta, type EventOf, type EventData,
} from './define-event.ts';
export * from './catalog/index.ts';
export { createOutbox, type Outbox } from './outbox.ts';
export {
  connectBroker, confirmPublish, BrokerUnavailableError, DEFAULT_EXCHANGE, type Broker, type BrokerOptions,
} from './broker.ts';
export { openManagedChannel, type ManagedChannel, type ChannelSetup } from './managed-channel.ts';
export { startOutboxRelay, type OutboxRelay, type OutboxRelayOptions } from './relay.ts';
export {
  startConsumers, type Consumers, type StartConsumersOptions, type DeadLetterInfo,
} from './consume.ts';
export { consumer, type ConsumerDef, type ConsumeContext } from './consumer-def.ts';
export { listDeadLetters, replayDeadLetters, type DeadLetter } from './dead-letters.ts';
export { retryQueueName, deadLetterQueueName, consumerQueueNames, HEADERS as EVENT_HEADERS } from './queue-names.ts';
export { currentTraceCarrier, contextFromCarrier, type TraceCarrier } from './trace-headers.ts';
