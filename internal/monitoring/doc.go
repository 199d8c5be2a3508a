// Package monitoring takes machine data: samples from MQTT (Sparkplug B and
// a plain JSON topic convention), OPC UA and HTTP arrive at one Pipeline,
// which maps each tag address to an equipment and books, in batches of one
// transaction each, the equipment's state intervals, its good and rejected
// counts per minute and its process values. A sample is acknowledged to its
// sender only after the batch holding it has committed.
//
// Counter and state tags keep a watermark (the time and value of their last
// stored sample) in the same transaction, so a sample redelivered after a
// crash is recognised and never counted twice.
package monitoring
