// Package opcua takes machine data from OPC UA servers (PLCs, edge gateways,
// SCADA) into monitoring: a Client keeps one subscription per connection,
// with a monitored item (data change) for each configured node, and hands
// every publish response to a monitoring.Sink as one batch of samples.
//
// # Addresses
//
// A sample's address is "opcua/<connection name>/<node id>", the node id
// exactly as configured (see monitoring.Sample), e.g.
// "opcua/filler/ns=2;s=Filler.Good". Mapping an address to an equipment and
// a role (state, good, reject, process) is monitoring's job, not this
// package's.
//
// # Values and times
//
// ValueOf turns an OPC UA Variant into a monitoring.Value: booleans stay
// booleans; the integer and floating-point types, DateTime (milliseconds
// since the Unix epoch) and StatusCode become numbers; String,
// LocalizedText, QualifiedName, XmlElement, Guid and NodeId become text.
// Enumerations arrive as Int32 and so become numbers, which a state tag's
// StateMap turns into states. A value with a bad status code (OPC UA Part
// 4, 7.39: severity Bad), an array, NaN or infinity, and any other type, is
// Null. A sample's time is the value's SourceTimestamp, else its
// ServerTimestamp, else the time the notification arrived (OPC UA Part 4,
// 7.11).
//
// # Delivery
//
// Ingest is called once per publish response, with the notifications of
// that response in the order the server sent them, so the samples of one
// node keep their order. When Ingest fails the same samples are offered
// again, with a backoff from 100ms doubling to 30s, until the sink takes
// them or the context ends: no sample is dropped while Run runs. While a
// batch waits, the client reads no further notifications; the server then
// keeps up to 10 values per monitored item (queue size 10, discard oldest)
// and a value that changes faster than that loses intermediate values, never
// the latest. Counters are totals, so no count is lost that way. Samples
// still waiting when the context ends are lost with the process; the next
// subscription starts with each node's current value.
//
// # Connection
//
// When the connection drops, or the server reports the subscription as
// gone, the Client closes it and connects again with the same backoff
// (100ms doubling to 30s, reset after a connection that worked), creating a
// new session and subscription, until the context ends. A new subscription
// starts with every node's current value, which the sink recognises as a
// repeat when the source timestamp has not moved (see monitoring.Sink). A
// node the server rejects (unknown node id, no read access) is logged and
// counted as an error; the other nodes are still monitored, and the node is
// tried again on the next connection. A new subscription that delivers no
// value within 10 seconds is started over (gopcua v0.8.0 can leave its
// publish loop paused after the first subscription).
package opcua
