// Package mqtt brings machine data in over MQTT: Forkline's Sparkplug B host
// application and the plain JSON topic convention, on the plant's broker
// (Client) or on a broker embedded in Forkline (Broker).
//
// Both hand samples to a monitoring.Sink and acknowledge a QoS 1 message
// only once the sink has stored its samples, so a message the broker holds
// for Forkline is never lost between the broker and the database:
//
//   - Client keeps a persistent session (clean session off, a fixed client
//     id) with QoS 1 subscriptions to spBv1.0/# and forkline/v1/#, passes
//     the messages through a sparkplug.Host in arrival order, stores them
//     with a few concurrent Ingest calls (the pipeline behind the sink
//     commits them together), and sends the PUBACKs in arrival order
//     (MQTT 3.1.1, 4.6) as their samples become durable. What it has not
//     acknowledged when it stops or loses the connection, the broker
//     delivers again.
//   - Broker with IngestInline stores the samples of each PUBLISH inside
//     the broker before the broker sends its PUBACK to the publisher.
//
// The host announces itself on spBv1.0/STATE/<host id> as Sparkplug 3.0
// requires: a retained QoS 1 will saying offline, a retained online birth
// with the will's timestamp once subscribed, offline again on a clean stop.
// docs/machine-data.md describes the topics, the addresses and the
// guarantees.
package mqtt
