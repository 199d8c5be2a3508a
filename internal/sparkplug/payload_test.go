package sparkplug_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"google.golang.org/protobuf/proto"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/monitoring"
	"github.com/forkline/forkline/internal/sparkplug"
	"github.com/forkline/forkline/internal/sparkplug/sproto"
)

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

var (
	num  = monitoring.NumberValue
	text = monitoring.TextValue
	null = monitoring.Value{Kind: monitoring.Null}
)

// allTypes holds a metric of every data type with a value at the edge of
// its range, in enum order.
func allTypes() []sparkplug.Metric {
	at := mustTime("2026-03-01T06:00:00.001Z")
	return []sparkplug.Metric{
		{Name: "unknown", DataType: sparkplug.TypeUnknown},
		{Name: "int8", DataType: sparkplug.TypeInt8, Value: num(-128)},
		{Name: "int16", DataType: sparkplug.TypeInt16, Value: num(-32768)},
		{Name: "int32", DataType: sparkplug.TypeInt32, Value: num(math.MinInt32)},
		{Name: "int64", DataType: sparkplug.TypeInt64, Value: num(math.MinInt64)},
		{Name: "uint8", DataType: sparkplug.TypeUInt8, Value: num(255)},
		{Name: "uint16", DataType: sparkplug.TypeUInt16, Value: num(65535)},
		{Name: "uint32", DataType: sparkplug.TypeUInt32, Value: num(math.MaxUint32)},
		{Name: "uint64", DataType: sparkplug.TypeUInt64, Value: num(1 << 63)},
		{Name: "float", DataType: sparkplug.TypeFloat, Value: num(-0.25)},
		{Name: "double", DataType: sparkplug.TypeDouble, Value: num(72.3)},
		{Name: "boolean", DataType: sparkplug.TypeBoolean, Value: monitoring.BoolValue(true)},
		{Name: "string", DataType: sparkplug.TypeString, Value: text("running")},
		{Name: "datetime", DataType: sparkplug.TypeDateTime, Value: num(1772344800001)},
		{Name: "text", DataType: sparkplug.TypeText, Value: text("Allergen: Milch")},
		{Name: "uuid", DataType: sparkplug.TypeUUID, Value: text("0196a4c2-7d1e-7c3a-9f00-5b1d2e3f4a5b")},
		{Name: "dataset", DataType: sparkplug.TypeDataSet},
		{Name: "bytes", DataType: sparkplug.TypeBytes, Bytes: []byte{0, 1, 0xfe, 0xff}},
		{Name: "file", DataType: sparkplug.TypeFile, Bytes: []byte("%PDF-1.7")},
		{Name: "template", DataType: sparkplug.TypeTemplate},
		{Name: "propertyset", DataType: sparkplug.TypePropertySet},
		{Name: "propertysetlist", DataType: sparkplug.TypePropertySetList},
		{Name: "int8array", DataType: sparkplug.TypeInt8Array, Bytes: []byte{0xff, 0x01}},
		{Name: "int16array", DataType: sparkplug.TypeInt16Array, Bytes: []byte{0xff, 0xff, 0x01, 0x00}},
		{Name: "int32array", DataType: sparkplug.TypeInt32Array, Bytes: []byte{0xff, 0xff, 0xff, 0xff}},
		{Name: "int64array", DataType: sparkplug.TypeInt64Array, Bytes: []byte{1, 0, 0, 0, 0, 0, 0, 0}},
		{Name: "uint8array", DataType: sparkplug.TypeUInt8Array, Bytes: []byte{0xff}},
		{Name: "uint16array", DataType: sparkplug.TypeUInt16Array, Bytes: []byte{0x34, 0x12}},
		{Name: "uint32array", DataType: sparkplug.TypeUInt32Array, Bytes: []byte{1, 0, 0, 0}},
		{Name: "uint64array", DataType: sparkplug.TypeUInt64Array, Bytes: []byte{2, 0, 0, 0, 0, 0, 0, 0}},
		{Name: "floatarray", DataType: sparkplug.TypeFloatArray, Bytes: []byte{0, 0, 0xc0, 0x3f}},
		{Name: "doublearray", DataType: sparkplug.TypeDoubleArray, Bytes: []byte{0, 0, 0, 0, 0, 0, 0xf8, 0x3f}},
		{Name: "booleanarray", DataType: sparkplug.TypeBooleanArray, Bytes: []byte{3, 0, 0, 0, 0xa0}},
		{Name: "stringarray", DataType: sparkplug.TypeStringArray, Bytes: []byte("ab\x00cd\x00")},
		{Name: "datetimearray", DataType: sparkplug.TypeDateTimeArray, Bytes: []byte{0xe8, 0x03, 0, 0, 0, 0, 0, 0}},
		{Name: "with alias and flags", Alias: 7, HasAlias: true, Time: at, DataType: sparkplug.TypeInt32,
			Value: num(-1), IsHistorical: true, IsTransient: true},
	}
}

func TestRoundTripEveryDataType(t *testing.T) {
	metrics := allTypes()
	if got, want := metrics[len(metrics)-2].DataType, sparkplug.TypeDateTimeArray; got != want || len(metrics) != 36 {
		t.Fatalf("allTypes covers up to %s in %d metrics, want all 35 data types", got, len(metrics))
	}
	for _, m := range metrics {
		t.Run(m.DataType.String()+" "+m.Name, func(t *testing.T) {
			roundTrip(t, sparkplug.Payload{
				Timestamp: mustTime("2026-03-01T06:00:00.002Z"),
				Seq:       17, HasSeq: true,
				Metrics: []sparkplug.Metric{m},
			})
		})
	}
	for _, m := range metrics {
		if m.DataType == sparkplug.TypeUnknown {
			continue
		}
		t.Run(m.DataType.String()+" null", func(t *testing.T) {
			m.Value, m.Bytes, m.IsNull = null, nil, true
			roundTrip(t, sparkplug.Payload{Metrics: []sparkplug.Metric{m}})
		})
	}
	t.Run("every data type in one payload with uuid and body", func(t *testing.T) {
		roundTrip(t, sparkplug.Payload{UUID: "forkline-test", Body: []byte("raw"), Metrics: metrics})
	})
}

func roundTrip(t *testing.T, p sparkplug.Payload) {
	t.Helper()
	b, err := sparkplug.Encode(p)
	if err != nil {
		t.Fatalf("Encode error %v", err)
	}
	got, err := sparkplug.Decode(b)
	if err != nil {
		t.Fatalf("Decode(Encode(p)) error %v", err)
	}
	if diff := cmp.Diff(p, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("Decode(Encode(p)) (-want +got):\n%s", diff)
	}
}

func TestDataTypeString(t *testing.T) {
	for d, want := range map[sparkplug.DataType]string{
		sparkplug.TypeUnknown: "Unknown", sparkplug.TypeInt8: "Int8", sparkplug.TypeUUID: "UUID",
		sparkplug.TypeDateTimeArray: "DateTimeArray", 35: "DataType(35)", math.MaxUint32: "DataType(4294967295)",
	} {
		if got := d.String(); got != want {
			t.Errorf("DataType(%d).String() = %q, want %q", uint32(d), got, want)
		}
	}
}

// wire encodes one metric as the protobuf, to test what other senders do.
func wire(t *testing.T, m *sproto.Payload_Metric) []byte {
	t.Helper()
	b, err := proto.Marshal(&sproto.Payload{Metrics: []*sproto.Payload_Metric{m}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func intMetric(d sparkplug.DataType, v uint32) *sproto.Payload_Metric {
	return &sproto.Payload_Metric{Name: proto.String("m"), Datatype: proto.Uint32(uint32(d)), Value: &sproto.Payload_Metric_IntValue{IntValue: v}}
}

func longMetric(d sparkplug.DataType, v uint64) *sproto.Payload_Metric {
	return &sproto.Payload_Metric{Name: proto.String("m"), Datatype: proto.Uint32(uint32(d)), Value: &sproto.Payload_Metric_LongValue{LongValue: v}}
}

// The proto stores signed integers in unsigned fields; the specification
// leaves the conversion open (eclipse-sparkplug/sparkplug#453). Eclipse Tahu
// sign-extends to the field, others send the type's own width.
func TestDecodeSignedIntegers(t *testing.T) {
	tests := []struct {
		name string
		m    *sproto.Payload_Metric
		want float64
	}{
		{"Int8 -1 sign-extended to 32 bits", intMetric(sparkplug.TypeInt8, 0xFFFFFFFF), -1},
		{"Int8 -1 at 8 bits", intMetric(sparkplug.TypeInt8, 0xFF), -1},
		{"Int8 -128 sign-extended", intMetric(sparkplug.TypeInt8, 0xFFFFFF80), -128},
		{"Int8 -128 at 8 bits", intMetric(sparkplug.TypeInt8, 0x80), -128},
		{"Int8 127", intMetric(sparkplug.TypeInt8, 0x7F), 127},
		{"Int16 -1 sign-extended", intMetric(sparkplug.TypeInt16, 0xFFFFFFFF), -1},
		{"Int16 -32768 at 16 bits", intMetric(sparkplug.TypeInt16, 0x8000), -32768},
		{"Int16 32767", intMetric(sparkplug.TypeInt16, 0x7FFF), 32767},
		{"Int32 -1", intMetric(sparkplug.TypeInt32, 0xFFFFFFFF), -1},
		{"Int32 min", intMetric(sparkplug.TypeInt32, 0x80000000), math.MinInt32},
		{"Int32 -1 in long_value sign-extended", longMetric(sparkplug.TypeInt32, math.MaxUint64), -1},
		{"Int32 -1 in long_value at 32 bits", longMetric(sparkplug.TypeInt32, 0xFFFFFFFF), -1},
		{"Int64 -1", longMetric(sparkplug.TypeInt64, math.MaxUint64), -1},
		{"Int64 -2 in int_value", intMetric(sparkplug.TypeInt64, 0xFFFFFFFE), -2},
		{"UInt8 255", intMetric(sparkplug.TypeUInt8, 255), 255},
		{"UInt32 max in int_value", intMetric(sparkplug.TypeUInt32, math.MaxUint32), math.MaxUint32},
		{"UInt32 max in long_value, as older Tahu sent it", longMetric(sparkplug.TypeUInt32, math.MaxUint32), math.MaxUint32},
		{"UInt64 max", longMetric(sparkplug.TypeUInt64, math.MaxUint64), math.MaxUint64},
		{"DateTime", longMetric(sparkplug.TypeDateTime, 1772344800123), 1772344800123},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := sparkplug.Decode(wire(t, tt.m))
			if err != nil {
				t.Fatalf("Decode error %v", err)
			}
			if got := p.Metrics[0].Value; got != num(tt.want) {
				t.Errorf("Decode value = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestEncodeSignedIntegers checks that negative values go out sign-extended
// to the field, as Eclipse Tahu reads them.
func TestEncodeSignedIntegers(t *testing.T) {
	tests := []struct {
		d     sparkplug.DataType
		v     float64
		value any
	}{
		{sparkplug.TypeInt8, -1, &sproto.Payload_Metric_IntValue{IntValue: 0xFFFFFFFF}},
		{sparkplug.TypeInt8, -128, &sproto.Payload_Metric_IntValue{IntValue: 0xFFFFFF80}},
		{sparkplug.TypeInt16, -2, &sproto.Payload_Metric_IntValue{IntValue: 0xFFFFFFFE}},
		{sparkplug.TypeInt32, -1, &sproto.Payload_Metric_IntValue{IntValue: 0xFFFFFFFF}},
		{sparkplug.TypeInt64, -1, &sproto.Payload_Metric_LongValue{LongValue: math.MaxUint64}},
		{sparkplug.TypeUInt32, math.MaxUint32, &sproto.Payload_Metric_IntValue{IntValue: math.MaxUint32}},
		{sparkplug.TypeUInt64, 1 << 63, &sproto.Payload_Metric_LongValue{LongValue: 1 << 63}},
		{sparkplug.TypeDateTime, 1772344800123, &sproto.Payload_Metric_LongValue{LongValue: 1772344800123}},
	}
	for _, tt := range tests {
		t.Run(tt.d.String(), func(t *testing.T) {
			b, err := sparkplug.Encode(sparkplug.Payload{Metrics: []sparkplug.Metric{{Name: "m", DataType: tt.d, Value: num(tt.v)}}})
			if err != nil {
				t.Fatalf("Encode error %v", err)
			}
			var pb sproto.Payload
			if err := proto.Unmarshal(b, &pb); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.value, pb.Metrics[0].Value, cmp.Comparer(proto.Equal), cmpopts.IgnoreUnexported(
				sproto.Payload_Metric_IntValue{}, sproto.Payload_Metric_LongValue{})); diff != "" {
				t.Errorf("Encode %s %v value (-want +got):\n%s", tt.d, tt.v, diff)
			}
		})
	}
}

func TestDecodeWithoutDataType(t *testing.T) {
	// DATA messages leave the data type out: the value is read as its field says.
	b := wire(t, &sproto.Payload_Metric{Alias: proto.Uint64(3), Value: &sproto.Payload_Metric_IntValue{IntValue: 0xFFFFFFFF}})
	p, err := sparkplug.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	want := []sparkplug.Metric{{Alias: 3, HasAlias: true, Value: num(math.MaxUint32)}}
	if diff := cmp.Diff(want, p.Metrics); diff != "" {
		t.Errorf("Decode metrics (-want +got):\n%s", diff)
	}
}

func TestDecodeRejects(t *testing.T) {
	tests := []struct {
		name    string
		payload []byte
		msg     string
	}{
		{"bytes that are not protobuf", []byte{0xff, 0xff, 0xff}, "not a valid protobuf"},
		{"a truncated message", []byte{0x12, 0x05, 0x0a}, "not a valid protobuf"},
		{"Int8 of 256", wire(t, intMetric(sparkplug.TypeInt8, 256)), "metric 0 (m): the value 256 does not fit Int8"},
		{"Int8 neither 8 bits nor sign-extended", wire(t, intMetric(sparkplug.TypeInt8, 0xFFFF7F7F)), "does not fit Int8"},
		{"Int16 of 0x10000", wire(t, intMetric(sparkplug.TypeInt16, 0x10000)), "does not fit Int16"},
		{"UInt8 of 256", wire(t, intMetric(sparkplug.TypeUInt8, 256)), "the value 256 does not fit UInt8"},
		{"UInt8 of -1 sign-extended", wire(t, intMetric(sparkplug.TypeUInt8, 0xFFFFFFFF)), "does not fit UInt8"},
		{"UInt32 above 32 bits", wire(t, longMetric(sparkplug.TypeUInt32, 1<<32)), "does not fit UInt32"},
		{"a Boolean sent as a string", wire(t, &sproto.Payload_Metric{Name: proto.String("run"),
			Datatype: proto.Uint32(uint32(sparkplug.TypeBoolean)), Value: &sproto.Payload_Metric_StringValue{StringValue: "true"}}),
			"metric 0 (run): Boolean cannot be sent in string_value"},
		{"an Int32 sent as a float", wire(t, &sproto.Payload_Metric{Alias: proto.Uint64(4),
			Datatype: proto.Uint32(uint32(sparkplug.TypeInt32)), Value: &sproto.Payload_Metric_FloatValue{FloatValue: 1}}),
			"metric 0 (alias 4): Int32 cannot be sent in float_value"},
		{"a String sent as bytes", wire(t, &sproto.Payload_Metric{Name: proto.String("s"),
			Datatype: proto.Uint32(uint32(sparkplug.TypeString)), Value: &sproto.Payload_Metric_BytesValue{BytesValue: []byte("x")}}),
			"String cannot be sent in bytes_value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := sparkplug.Decode(tt.payload)
			if err == nil {
				t.Fatalf("Decode = %+v, want an error", p)
			}
			if code := forkline.ErrorCode(err); code != forkline.Invalid {
				t.Errorf("Decode error code = %s, want invalid", code)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("Decode error = %q, want it to say %q", err, tt.msg)
			}
		})
	}
}

func TestDecodeIsNullWinsOverValue(t *testing.T) {
	// tck-id-operational-behavior-data-publish-nbirth-values: a null metric
	// has no value; one that carries a value anyway is still null.
	m := intMetric(sparkplug.TypeInt32, 5)
	m.IsNull = proto.Bool(true)
	p, err := sparkplug.Decode(wire(t, m))
	if err != nil {
		t.Fatal(err)
	}
	want := sparkplug.Metric{Name: "m", DataType: sparkplug.TypeInt32, IsNull: true}
	if diff := cmp.Diff(want, p.Metrics[0]); diff != "" {
		t.Errorf("Decode metric (-want +got):\n%s", diff)
	}
}

func TestEncodeRejects(t *testing.T) {
	tests := []struct {
		name string
		m    sparkplug.Metric
		msg  string
	}{
		{"Int8 of 128", sparkplug.Metric{Name: "m", DataType: sparkplug.TypeInt8, Value: num(128)}, "sparkplug metric m: the value 128 does not fit Int8"},
		{"Int8 of -129", sparkplug.Metric{Name: "m", DataType: sparkplug.TypeInt8, Value: num(-129)}, "does not fit Int8"},
		{"Int32 of 1.5", sparkplug.Metric{Name: "m", DataType: sparkplug.TypeInt32, Value: num(1.5)}, "the value 1.5 does not fit Int32"},
		{"Int64 of 2^63", sparkplug.Metric{Name: "m", DataType: sparkplug.TypeInt64, Value: num(1 << 63)}, "does not fit Int64"},
		{"UInt8 of -1", sparkplug.Metric{Name: "m", DataType: sparkplug.TypeUInt8, Value: num(-1)}, "does not fit UInt8"},
		{"UInt64 of 2^64", sparkplug.Metric{Name: "m", DataType: sparkplug.TypeUInt64, Value: num(1 << 64)}, "does not fit UInt64"},
		{"UInt16 of NaN", sparkplug.Metric{Name: "m", DataType: sparkplug.TypeUInt16, Value: num(math.NaN())}, "does not fit UInt16"},
		{"DateTime before 1970", sparkplug.Metric{Name: "m", DataType: sparkplug.TypeDateTime, Value: num(-1)}, "does not fit DateTime"},
		{"Float beyond float32", sparkplug.Metric{Name: "m", DataType: sparkplug.TypeFloat, Value: num(1e300)}, "does not fit Float"},
		{"Int32 with a text", sparkplug.Metric{Alias: 2, HasAlias: true, DataType: sparkplug.TypeInt32, Value: text("7")}, `sparkplug metric alias 2: Int32 needs a number, not "7"`},
		{"Int32 without value or IsNull", sparkplug.Metric{Name: "m", DataType: sparkplug.TypeInt32}, `Int32 needs a number, not "null"`},
		{"Boolean with a number", sparkplug.Metric{Name: "m", DataType: sparkplug.TypeBoolean, Value: num(1)}, "Boolean needs a boolean"},
		{"String with a number", sparkplug.Metric{Name: "m", DataType: sparkplug.TypeString, Value: num(1)}, "String needs a text"},
		{"DataSet with a text", sparkplug.Metric{Name: "m", DataType: sparkplug.TypeDataSet, Value: text("x")}, `DataSet cannot carry the value "x"`},
		{"Template with bytes", sparkplug.Metric{Name: "m", DataType: sparkplug.TypeTemplate, Bytes: []byte{1}}, "Template cannot carry bytes"},
		{"a value without data type", sparkplug.Metric{Name: "m", Value: num(1)}, `Unknown cannot carry the value "1"`},
		{"a time before 1970", sparkplug.Metric{Name: "m", DataType: sparkplug.TypeBoolean, Value: monitoring.BoolValue(true),
			Time: mustTime("1969-12-31T23:59:59Z")}, "sparkplug metric m: the time 1969-12-31T23:59:59Z is before 1970"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := sparkplug.Encode(sparkplug.Payload{Metrics: []sparkplug.Metric{tt.m}})
			if err == nil {
				t.Fatalf("Encode = %x, want an error", b)
			}
			if code := forkline.ErrorCode(err); code != forkline.Invalid {
				t.Errorf("Encode error code = %s, want invalid", code)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("Encode error = %q, want it to say %q", err, tt.msg)
			}
		})
	}
}
