// Package sproto holds the protobuf types of the Sparkplug B payload,
// generated from the official sparkplug_b.proto of Eclipse Tahu (EPL-2.0) by
// go generate in package sparkplug. Use package sparkplug instead: it turns
// these into plain Go values.
package sproto
