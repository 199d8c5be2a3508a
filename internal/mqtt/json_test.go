package mqtt_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/mqtt"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const jsonTopic = "forkline/v1/plant1/cold/line1/chiller"

// TestDecodeJSONGolden decodes each testdata/json/*.json and compares the
// samples, one per line, with its .golden file.
func TestDecodeJSONGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/json/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			payload, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			samples, err := mqtt.DecodeJSON(jsonTopic, payload, t0)
			if err != nil {
				t.Fatalf("DecodeJSON() = %v", err)
			}
			var b strings.Builder
			for _, s := range samples {
				b.WriteString(s.Address + " " + s.Time.Format(time.RFC3339Nano) + " " + kindName[s.Value.Kind] + " " + s.Value.String() + "\n")
			}
			golden := strings.TrimSuffix(file, ".json") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), b.String()); diff != "" {
				t.Errorf("DecodeJSON(%s) (-want +got):\n%s", file, diff)
			}
		})
	}
}

var kindName = []string{"null", "number", "bool", "text"}

func TestDecodeJSONInvalid(t *testing.T) {
	tests := []struct {
		name    string
		topic   string
		payload string
		field   string
		rule    string
	}{
		{"a topic with too few levels is refused", "forkline/v1/plant1/line1", `{"values":{"a":1}}`, "topic", "format"},
		{"a topic of another prefix is refused", "plant/v1/a/b/c/d", `{"values":{"a":1}}`, "topic", "format"},
		{"a topic with an empty level is refused", "forkline/v1/a//c/d", `{"values":{"a":1}}`, "topic", "format"},
		{"a payload that is not JSON is refused", jsonTopic, `temp=3`, "payload", "json"},
		{"an empty payload is refused", jsonTopic, ``, "payload", "json"},
		{"a JSON number payload is refused", jsonTopic, `42`, "payload", "json"},
		{"values are required", jsonTopic, `{"timestamp": 1}`, "values", "required"},
		{"values must name a tag", jsonTopic, `{"values": {}}`, "values", "required"},
		{"values must be an object", jsonTopic, `{"values": [1, 2]}`, "values", "type"},
		{"an unknown field is refused", jsonTopic, `{"ts": 1, "values": {"a": 1}}`, "ts", "unknown"},
		{"a nested value is refused", jsonTopic, `{"values": {"a": {"b": 1}}}`, "values.a", "type"},
		{"a tag with a slash is refused", jsonTopic, `{"values": {"a/b": 1}}`, "values.a/b", "format"},
		{"an empty tag is refused", jsonTopic, `{"values": {"": 1}}`, "values.", "required"},
		{"a number too large is refused", jsonTopic, `{"values": {"a": 1e999}}`, "values.a", "range"},
		{"a negative timestamp is refused", jsonTopic, `{"timestamp": -1, "values": {"a": 1}}`, "timestamp", "range"},
		{"a timestamp after 9999 is refused", jsonTopic, `{"timestamp": 253402300800000, "values": {"a": 1}}`, "timestamp", "range"},
		{"a timestamp text not RFC 3339 is refused", jsonTopic, `{"timestamp": "02.01.2026 06:00", "values": {"a": 1}}`, "timestamp", "rfc3339"},
		{"a boolean timestamp is refused", jsonTopic, `{"timestamp": true, "values": {"a": 1}}`, "timestamp", "timestamp"},
		{"an array element is named by its index", jsonTopic, `[{"values": {"a": 1}}, {"values": {"a": []}}]`, "[1].values.a", "type"},
		{"an array element that is not an object is refused", jsonTopic, `[{"values": {"a": 1}}, 3]`, "[1]", "json"},
		{"a null array element is refused", jsonTopic, `[null]`, "[0]", "json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			samples, err := mqtt.DecodeJSON(tt.topic, []byte(tt.payload), t0)
			if err == nil {
				t.Fatalf("DecodeJSON(%q, %q) = %v, nil, want an error", tt.topic, tt.payload, samples)
			}
			if code := forkline.ErrorCode(err); code != forkline.Invalid {
				t.Errorf("ErrorCode(%v) = %s, want %s", err, code, forkline.Invalid)
			}
			fields := forkline.ErrorFields(err)
			if len(fields) != 1 || fields[0].Field != tt.field || fields[0].Rule != tt.rule {
				t.Errorf("ErrorFields(%v) = %+v, want field %q rule %q", err, fields, tt.field, tt.rule)
			}
		})
	}
}

func FuzzDecodeJSON(f *testing.F) {
	files, _ := filepath.Glob("testdata/json/*.json")
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(jsonTopic, b)
	}
	f.Add(jsonTopic, []byte(`{"timestamp":"2026-01-02T06:00:00Z","values":{"a":null}}`))
	f.Add("forkline/v1/a/b/c/d", []byte(`[{"values":{"x":"y"}}]`))
	f.Fuzz(func(t *testing.T, topic string, payload []byte) {
		samples, err := mqtt.DecodeJSON(topic, payload, t0)
		if err != nil {
			if forkline.ErrorCode(err) != forkline.Invalid || len(forkline.ErrorFields(err)) == 0 {
				t.Fatalf("DecodeJSON() error %v is not Invalid with a field", err)
			}
			return
		}
		for _, s := range samples {
			tag, ok := strings.CutPrefix(s.Address, topic+"/")
			if !ok || tag == "" || strings.ContainsAny(tag, "/+#") {
				t.Errorf("sample address %q is not the topic %q, a slash and a tag", s.Address, topic)
			}
			if s.Time.Location() != time.UTC || s.Time.Year() < 1970 || s.Time.Year() > 9999 {
				t.Errorf("sample time %v is not a UTC time from 1970 to 9999", s.Time)
			}
		}
	})
}
