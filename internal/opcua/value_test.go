package opcua_test

import (
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gopcua/opcua/ua"

	"github.com/forkline/forkline/internal/monitoring"
	"github.com/forkline/forkline/internal/opcua"
)

func TestValueOf(t *testing.T) {
	null := monitoring.Value{}
	num := monitoring.NumberValue
	tests := []struct {
		name string
		in   *ua.Variant
		want monitoring.Value
	}{
		{"nil", nil, null},
		{"empty variant", &ua.Variant{}, null},
		{"Boolean true", ua.MustVariant(true), monitoring.BoolValue(true)},
		{"Boolean false", ua.MustVariant(false), monitoring.BoolValue(false)},
		{"SByte", ua.MustVariant(int8(-8)), num(-8)},
		{"Byte", ua.MustVariant(uint8(200)), num(200)},
		{"Int16", ua.MustVariant(int16(-300)), num(-300)},
		{"UInt16", ua.MustVariant(uint16(65535)), num(65535)},
		{"Int32 enumeration", ua.MustVariant(int32(3)), num(3)},
		{"UInt32 counter", ua.MustVariant(uint32(4294967295)), num(4294967295)},
		{"Int64", ua.MustVariant(int64(-1) << 40), num(-(1 << 40))},
		{"UInt64", ua.MustVariant(uint64(1) << 52), num(1 << 52)},
		{"Float", ua.MustVariant(float32(4.5)), num(4.5)},
		{"Double", ua.MustVariant(72.25), num(72.25)},
		{"Double NaN", ua.MustVariant(math.NaN()), null},
		{"Double infinity", ua.MustVariant(math.Inf(-1)), null},
		{"Float infinity", ua.MustVariant(float32(math.Inf(1))), null},
		{"String", ua.MustVariant("running"), monitoring.TextValue("running")},
		{"empty String", ua.MustVariant(""), monitoring.TextValue("")},
		{"DateTime as milliseconds", ua.MustVariant(time.Date(2026, 3, 2, 6, 0, 0, 250e6, time.UTC)), num(1772431200250)},
		{"DateTime zero", ua.MustVariant(time.Time{}), null},
		{"LocalizedText", ua.MustVariant(ua.NewLocalizedText("Cleaning")), monitoring.TextValue("Cleaning")},
		{"QualifiedName", ua.MustVariant(&ua.QualifiedName{NamespaceIndex: 2, Name: "Idle"}), monitoring.TextValue("Idle")},
		{"StatusCode", ua.MustVariant(ua.StatusBadSensorFailure), num(float64(ua.StatusBadSensorFailure))},
		{"XmlElement", ua.MustVariant(ua.XMLElement("<a/>")), monitoring.TextValue("<a/>")},
		{"NodeId", ua.MustVariant(ua.NewStringNodeID(2, "Filler.Good")), monitoring.TextValue("ns=2;s=Filler.Good")},
		{"Guid", ua.MustVariant(ua.NewGUID("72962B91-FA75-4AE6-8D28-B404DC7DAF63")), monitoring.TextValue("72962B91-FA75-4AE6-8D28-B404DC7DAF63")},
		{"ByteString", ua.MustVariant([]byte{1, 2}), null},
		{"array of Double", ua.MustVariant([]float64{1, 2}), null},
		{"array of Boolean", ua.MustVariant([]bool{true}), null},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := opcua.ValueOf(tt.in); got != tt.want {
				t.Errorf("ValueOf(%v) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestSampleOf(t *testing.T) {
	src := time.Date(2026, 3, 2, 6, 0, 1, 0, time.FixedZone("CET", 3600))
	srv := time.Date(2026, 3, 2, 5, 0, 2, 0, time.UTC)
	now := time.Date(2026, 3, 2, 5, 0, 3, 0, time.UTC)
	const a = "opcua/filler/ns=2;s=Filler.Good"
	tests := []struct {
		name string
		in   *ua.DataValue
		want monitoring.Sample
	}{
		{"a good value takes the source time, in UTC",
			&ua.DataValue{Value: ua.MustVariant(uint32(7)), SourceTimestamp: src, ServerTimestamp: srv},
			monitoring.Sample{Address: a, Time: src.UTC(), Value: monitoring.NumberValue(7)}},
		{"without a source time it takes the server time",
			&ua.DataValue{Value: ua.MustVariant(uint32(7)), ServerTimestamp: srv},
			monitoring.Sample{Address: a, Time: srv, Value: monitoring.NumberValue(7)}},
		{"without either it takes now",
			&ua.DataValue{Value: ua.MustVariant(uint32(7))},
			monitoring.Sample{Address: a, Time: now, Value: monitoring.NumberValue(7)}},
		{"a bad status is null, whatever the value",
			&ua.DataValue{Value: ua.MustVariant(uint32(7)), Status: ua.StatusBadSensorFailure, SourceTimestamp: src},
			monitoring.Sample{Address: a, Time: src.UTC()}},
		{"bad communication without a value is null",
			&ua.DataValue{Status: ua.StatusBadCommunicationError, ServerTimestamp: srv},
			monitoring.Sample{Address: a, Time: srv}},
		{"an uncertain status keeps the value",
			&ua.DataValue{Value: ua.MustVariant(4.5), Status: ua.StatusUncertainLastUsableValue, SourceTimestamp: src},
			monitoring.Sample{Address: a, Time: src.UTC(), Value: monitoring.NumberValue(4.5)}},
		{"a good status with a code is kept",
			&ua.DataValue{Value: ua.MustVariant(true), Status: ua.StatusGoodOverload, SourceTimestamp: src},
			monitoring.Sample{Address: a, Time: src.UTC(), Value: monitoring.BoolValue(true)}},
		{"no data value is null now", nil, monitoring.Sample{Address: a, Time: now}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := opcua.SampleOf(a, tt.in, now)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("SampleOf(%q, %+v, now) (-want +got):\n%s", a, tt.in, diff)
			}
		})
	}
}
