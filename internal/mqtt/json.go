package mqtt

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/monitoring"
)

// JSONPrefix is the first two levels of every topic of Forkline's plain JSON
// convention: forkline/v1/<site>/<area>/<line>/<equipment>.
const JSONPrefix = "forkline/v1/"

// maxTagLen bounds a tag name so that topic, slash and tag fit the 400
// characters of a tag mapping's address.
const maxTagLen = 200

// DecodeJSON turns a message of the JSON topic convention into samples.
//
// The topic is forkline/v1/<site>/<area>/<line>/<equipment>. The payload is
// one object or an array of objects:
//
//	{"timestamp": 1767225600000, "values": {"temp": 71.5, "state": "running", "alarm": false, "note": null}}
//
// timestamp is milliseconds since the Unix epoch (a number) or an RFC 3339
// string; without it (or null) the sample time is now, the receive time.
// values maps tag names to a number, boolean, string or null. A sample's
// address is the topic, a slash and the tag. Samples come in payload order,
// the tags of one object sorted by name. Bad input returns an Invalid
// *forkline.Error whose fields name the part and the rule it breaks.
func DecodeJSON(topic string, payload []byte, now time.Time) ([]monitoring.Sample, error) {
	if err := validJSONTopic(topic); err != nil {
		return nil, err
	}
	now = now.UTC()
	trimmed := bytes.TrimLeft(payload, " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == '[' {
		var list []json.RawMessage
		if err := json.Unmarshal(payload, &list); err != nil {
			return nil, invalid("payload", "json", "the payload must be a JSON object or an array of objects: "+jsonReason(err))
		}
		var samples []monitoring.Sample
		for i, raw := range list {
			s, err := decodeReading(topic, raw, now, fmt.Sprintf("[%d].", i))
			if err != nil {
				return nil, err
			}
			samples = append(samples, s...)
		}
		return samples, nil
	}
	return decodeReading(topic, payload, now, "")
}

// decodeReading decodes one {"timestamp": ..., "values": {...}} object;
// prefix goes before the field names of its problems.
func decodeReading(topic string, raw []byte, now time.Time, prefix string) ([]monitoring.Sample, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		reason := "null"
		if err != nil {
			reason = jsonReason(err)
		}
		field := strings.TrimSuffix(prefix, ".")
		if field == "" {
			field = "payload"
		}
		return nil, invalid(field, "json", "a reading must be a JSON object with timestamp and values: "+reason)
	}
	for k := range obj {
		if k != "timestamp" && k != "values" {
			return nil, invalid(prefix+k, "unknown", fmt.Sprintf("%q is not a field of a reading; use timestamp and values", k))
		}
	}
	t := now
	if ts, ok := obj["timestamp"]; ok {
		var err error
		if t, err = decodeTimestamp(ts, now, prefix+"timestamp"); err != nil {
			return nil, err
		}
	}
	rawValues, ok := obj["values"]
	if !ok {
		return nil, invalid(prefix+"values", "required", "values is required: an object of tag names and their values")
	}
	var values map[string]json.RawMessage
	if err := json.Unmarshal(rawValues, &values); err != nil || values == nil {
		return nil, invalid(prefix+"values", "type", "values must be an object of tag names and their values")
	}
	if len(values) == 0 {
		return nil, invalid(prefix+"values", "required", "values must name at least one tag")
	}
	tags := make([]string, 0, len(values))
	for tag := range values {
		tags = append(tags, tag)
	}
	slices.Sort(tags)
	samples := make([]monitoring.Sample, 0, len(tags))
	for _, tag := range tags {
		field := prefix + "values." + tag
		if err := validTag(tag, field); err != nil {
			return nil, err
		}
		v, err := decodeValue(values[tag], field)
		if err != nil {
			return nil, err
		}
		samples = append(samples, monitoring.Sample{Address: topic + "/" + tag, Time: t, Value: v})
	}
	return samples, nil
}

// maxMillis is 9999-12-31T23:59:59.999Z: RFC 3339 and the databases stop there.
const maxMillis = 253402300799999

func decodeTimestamp(raw json.RawMessage, now time.Time, field string) (time.Time, error) {
	switch raw[0] {
	case 'n':
		return now, nil
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return time.Time{}, invalid(field, "timestamp", "timestamp must be milliseconds since the epoch or an RFC 3339 time")
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return time.Time{}, invalid(field, "rfc3339", fmt.Sprintf("timestamp %q is not an RFC 3339 time such as 2026-01-01T06:00:00Z", s))
		}
		if t.Year() < 1970 {
			return time.Time{}, invalid(field, "range", "timestamp must not be before 1970")
		}
		return t.UTC(), nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return time.Time{}, invalid(field, "timestamp", "timestamp must be milliseconds since the epoch or an RFC 3339 time")
	}
	if ms, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		if ms < 0 || ms > maxMillis {
			return time.Time{}, invalid(field, "range", "timestamp must be milliseconds between 1970 and 9999")
		}
		return time.UnixMilli(ms).UTC(), nil
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || f < 0 || f > maxMillis {
		return time.Time{}, invalid(field, "range", "timestamp must be milliseconds between 1970 and 9999")
	}
	whole, frac := math.Modf(f)
	return time.UnixMilli(int64(whole)).Add(time.Duration(math.Round(frac * float64(time.Millisecond)))).UTC(), nil
}

func decodeValue(raw json.RawMessage, field string) (monitoring.Value, error) {
	switch raw[0] {
	case 'n':
		return monitoring.Value{}, nil
	case 't', 'f':
		var b bool
		if err := json.Unmarshal(raw, &b); err != nil {
			return monitoring.Value{}, invalid(field, "type", "a value must be a number, a boolean, a string or null")
		}
		return monitoring.BoolValue(b), nil
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return monitoring.Value{}, invalid(field, "type", "a value must be a number, a boolean, a string or null")
		}
		return monitoring.TextValue(s), nil
	case '{', '[':
		return monitoring.Value{}, invalid(field, "type", "a value must be a number, a boolean, a string or null, not an object or array")
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return monitoring.Value{}, invalid(field, "type", "a value must be a number, a boolean, a string or null")
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil {
		return monitoring.Value{}, invalid(field, "range", fmt.Sprintf("%s does not fit a 64-bit floating-point number", n))
	}
	return monitoring.NumberValue(f), nil
}

// validJSONTopic checks forkline/v1/<site>/<area>/<line>/<equipment>.
func validJSONTopic(topic string) error {
	parts := strings.Split(topic, "/")
	if len(parts) != 6 || parts[0] != "forkline" || parts[1] != "v1" {
		return invalid("topic", "format", fmt.Sprintf("topic %q must be forkline/v1/<site>/<area>/<line>/<equipment>", topic))
	}
	for _, p := range parts[2:] {
		if p == "" || strings.ContainsAny(p, "+#") || !utf8.ValidString(p) {
			return invalid("topic", "format", fmt.Sprintf("topic %q: site, area, line and equipment must be non-empty UTF-8 without + or #", topic))
		}
	}
	return nil
}

func validTag(tag, field string) error {
	switch {
	case tag == "":
		return invalid(field, "required", "a tag name must not be empty")
	case utf8.RuneCountInString(tag) > maxTagLen:
		return invalid(field, "max_length", fmt.Sprintf("a tag name must be at most %d characters", maxTagLen))
	case strings.ContainsAny(tag, "/+#"):
		return invalid(field, "format", "a tag name must not hold / + or #")
	case !utf8.ValidString(tag):
		return invalid(field, "format", "a tag name must be UTF-8")
	}
	return nil
}

// jsonReason keeps the part of a decoding error worth showing.
func jsonReason(err error) string {
	if syn, ok := errors.AsType[*json.SyntaxError](err); ok {
		return fmt.Sprintf("%s (byte %d)", syn.Error(), syn.Offset)
	}
	return err.Error()
}

func invalid(field, rule, msg string) error {
	return &forkline.Error{
		Code:   forkline.Invalid,
		Msg:    "The machine-data message is not valid.",
		Fields: []forkline.FieldProblem{{Field: field, Rule: rule, Msg: msg}},
	}
}
