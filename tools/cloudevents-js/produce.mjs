// Sends one exception to exflow the way a JavaScript producer would: the CloudEvents SDK builds
// the event and its Kafka message (binary or structured mode), kafkajs sends it.
// Usage: node produce.mjs <bootstrap> <topic> <binary|structured> <tenant> <exceptionId> <eventId> <data-json>
import { CloudEvent, Kafka as CloudEventsKafka } from "cloudevents";
import { Kafka, logLevel } from "kafkajs";

const [bootstrap, topic, mode, tenant, exceptionId, eventId, data] = process.argv.slice(2);
if (!data || !["binary", "structured"].includes(mode)) {
  console.error("usage: node produce.mjs <bootstrap> <topic> <binary|structured> <tenant> <exceptionId> <eventId> <data-json>");
  process.exit(2);
}

const event = new CloudEvent({
  id: eventId,
  type: "exflow.exception.ingested",
  source: "/partner/js-producer",
  tenantid: tenant,
  exceptionid: exceptionId,
  datacontenttype: "application/json",
  data: JSON.parse(data),
});
const message = mode === "binary" ? CloudEventsKafka.binary(event) : CloudEventsKafka.structured(event);
// In binary mode the SDK hands back the data object itself; a Kafka value is bytes, so JSON it is.
// Headers the SDK leaves undefined (attributes not set) are not sent.
const headers = Object.fromEntries(Object.entries(message.headers).filter(([, v]) => v !== undefined));
const value = typeof message.value === "string" || Buffer.isBuffer(message.value) ? message.value : JSON.stringify(message.value);

const kafka = new Kafka({ clientId: "cloudevents-js", brokers: bootstrap.split(","), logLevel: logLevel.ERROR });
const producer = kafka.producer();
await producer.connect();
try {
  await producer.send({
    topic,
    acks: -1,
    messages: [{ key: `${tenant}:${exceptionId}`, value, headers }],
  });
} finally {
  await producer.disconnect();
}
console.log(`sent ${mode} ${event.id}`);
