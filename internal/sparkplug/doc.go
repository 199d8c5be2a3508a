// Package sparkplug speaks Eclipse Sparkplug B 3.0 over MQTT, without doing
// any I/O itself: a codec for its topics and protobuf payloads, the session
// logic of a host application (Host: what Forkline is when it collects
// machine data), and that of an edge node (Edge: for the simulator and
// tests). The MQTT adapter hands each message to Host.Handle in arrival order
// and ingests the samples it returns into monitoring's Sink.
//
// # Glossary
//
//   - Edge node: a gateway or PLC that publishes metrics of its own and of its
//     devices. Group id, edge node id and device id name them in the topic
//     spBv1.0/<group>/<message type>/<edge node>[/<device>].
//   - Metric: one named value of a node or device (a tag). A birth declares
//     every metric with its name, data type and, optionally, a numeric alias;
//     later data messages send the alias instead of the name.
//   - Session: from an edge node's NBIRTH to its NDEATH. bdSeq (birth/death
//     sequence) ties the two; seq numbers every message of the session.
//   - Host application: a consumer of the data; it announces itself with a
//     retained JSON STATE message on spBv1.0/STATE/<host id>.
//
// # Addresses
//
// A metric becomes monitoring samples with the address
//
//	spBv1.0/<group>/<edge node>/<metric name>            for a node metric
//	spBv1.0/<group>/<edge node>/<device>/<metric name>   for a device metric
//
// Metric names may hold slashes ("Inputs/Temp"), so a node metric "D/T" and
// the metric "T" of a device "D" of the same node have the same address; the
// specification does not forbid it, and an edge node that does so cannot be
// mapped unambiguously.
//
// A metric becomes samples when its data type is a scalar (integers, Float,
// Double, Boolean, String, Text, UUID, DateTime as milliseconds since the
// epoch) and it is not the session's own bookkeeping: bdSeq and the
// "Node Control/*" and "Device Control/*" metrics are not samples.
// "Properties/*" metrics (hardware make, firmware version) are, so they can
// be mapped like any tag. DataSet, Template, Bytes, File, property-set and
// array metrics decode (their value is Null, their bytes kept in
// Metric.Bytes) but are not samples: nothing in Forkline reads them. Metrics
// marked is_transient are not samples either ("do not store this as a tag").
// Historical metrics are, at their own time; the Sink ignores a sample at or
// before a tag's watermark.
//
// # Values
//
// The protobuf carries signed integers in unsigned fields and the
// specification does not say how (eclipse-sparkplug/sparkplug#453). Encode
// sign-extends to the field as Eclipse Tahu does (Int8 -1 is int_value
// 0xFFFFFFFF, Int64 -1 is long_value 0xFFFFFFFFFFFFFFFF); Decode also accepts
// the value at the type's own width (Int8 -1 as 0xFF) and a UInt32 in
// long_value, as older Tahu versions sent it, and rejects a value that fits
// neither. Numbers become float64: integers beyond 2^53 lose precision.
//
// # Host session rules
//
// The rules follow the Sparkplug 3.0.0 assertions the TCK checks; the tests
// name them by their tck-id.
//
//   - NBIRTH starts a new session of the node and forgets the old one with
//     its devices. It must carry a seq from 0 to 255, a bdSeq metric and the
//     Boolean "Node Control/Rebirth"; every metric needs a name and a data
//     type, and aliases must be unique in the node. A birth that breaks these
//     is an Invalid error and leaves the node without a session. Birth
//     metrics are samples.
//   - DBIRTH declares a device, only within a node session. Its metrics are
//     samples.
//   - NDATA and DDATA name their metrics by alias or by name; a metric's data
//     type is its birth's when the message leaves it out. A sample's time is
//     the metric's timestamp, else the payload's, else the arrival time.
//   - seq must be the previous message's plus one, 255 wrapping to 0, on
//     every message of the node after its NBIRTH (DBIRTH, NDATA, DDATA,
//     DDEATH).
//   - A message the host cannot read in a session is not trusted: DBIRTH or
//     DATA with a seq gap, DATA or DBIRTH from a node without a session, DDATA
//     from a device without a DBIRTH, an alias or name the birth did not
//     declare. Its samples are dropped and the host publishes a rebirth
//     request: an NCMD to spBv1.0/<group>/NCMD/<edge node> with the Boolean
//     metric "Node Control/Rebirth" true. It asks once: no more requests go to
//     that node until its next NBIRTH, so a node that is slow to answer is not
//     flooded. The seq of a message after a gap becomes the reference, so the
//     messages that follow it in sequence are kept. There is no reorder
//     timeout: a gap asks for a rebirth at once.
//   - NDEATH ends the session only when its bdSeq is the NBIRTH's: the Will of
//     an old MQTT connection, delivered late, is ignored. Every sampled
//     metric of the node's NBIRTH and of its devices' DBIRTHs then gets a
//     Null sample at the arrival time (the pipeline records the equipment's
//     state as unknown).
//   - DDEATH does the same for one device, at the DDEATH's timestamp. A seq
//     gap before it asks for a rebirth, but the death still counts.
//   - STATE messages of other host applications are ignored; an offline
//     STATE of this host, while connected, is answered by its online STATE
//     again. NCMD and DCMD are ignored.
//
// The protobuf types in sproto are generated from the official
// sparkplug_b.proto of Eclipse Tahu (EPL-2.0, Copyright (c) 2015, 2018 Cirrus
// Link Solutions and others), kept in shared/conformance/sparkplug and not
// copied into this repository. The generated code is a derivative of it under
// EPL-2.0; the rest of this package is Forkline's own. Regenerate it with
// go generate, with protoc and protoc-gen-go v1.36.12 on the PATH
// (go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12).
package sparkplug

//go:generate protoc -I ../../../shared/conformance/sparkplug --go_out=sproto --go_opt=paths=source_relative --go_opt=Msparkplug_b.proto=github.com/forkline/forkline/internal/sparkplug/sproto sparkplug_b.proto
