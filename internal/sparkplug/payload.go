package sparkplug

import (
	"fmt"
	"math"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/monitoring"
	"github.com/forkline/forkline/internal/sparkplug/sproto"
)

// DataType is the Sparkplug data type of a metric (the DataType enum of
// sparkplug_b.proto, tck-id-payloads-metric-datatype-value).
type DataType uint32

// The data types of Sparkplug 3.0, with their enum values.
const (
	TypeUnknown         DataType = 0
	TypeInt8            DataType = 1
	TypeInt16           DataType = 2
	TypeInt32           DataType = 3
	TypeInt64           DataType = 4
	TypeUInt8           DataType = 5
	TypeUInt16          DataType = 6
	TypeUInt32          DataType = 7
	TypeUInt64          DataType = 8
	TypeFloat           DataType = 9
	TypeDouble          DataType = 10
	TypeBoolean         DataType = 11
	TypeString          DataType = 12
	TypeDateTime        DataType = 13 // milliseconds since the Unix epoch, UTC
	TypeText            DataType = 14
	TypeUUID            DataType = 15
	TypeDataSet         DataType = 16
	TypeBytes           DataType = 17
	TypeFile            DataType = 18
	TypeTemplate        DataType = 19
	TypePropertySet     DataType = 20
	TypePropertySetList DataType = 21
	TypeInt8Array       DataType = 22
	TypeInt16Array      DataType = 23
	TypeInt32Array      DataType = 24
	TypeInt64Array      DataType = 25
	TypeUInt8Array      DataType = 26
	TypeUInt16Array     DataType = 27
	TypeUInt32Array     DataType = 28
	TypeUInt64Array     DataType = 29
	TypeFloatArray      DataType = 30
	TypeDoubleArray     DataType = 31
	TypeBooleanArray    DataType = 32
	TypeStringArray     DataType = 33
	TypeDateTimeArray   DataType = 34
)

// String returns the type's name in the specification, e.g. "Int8".
func (d DataType) String() string {
	if s, ok := sproto.DataType_name[int32(d)]; ok && d <= TypeDateTimeArray {
		return s
	}
	return fmt.Sprintf("DataType(%d)", uint32(d))
}

// Scalar reports whether a metric of the type carries a monitoring.Value: a
// number, a boolean, a text or a DateTime. The others (DataSet, Bytes, File,
// Template, property sets and arrays) decode with a Null value.
func (d DataType) Scalar() bool {
	return d >= TypeInt8 && d <= TypeUUID
}

// intRange gives the width and signedness of the integer types.
func (d DataType) intRange() (bits uint, signed, ok bool) {
	switch d {
	case TypeInt8:
		return 8, true, true
	case TypeInt16:
		return 16, true, true
	case TypeInt32:
		return 32, true, true
	case TypeInt64:
		return 64, true, true
	case TypeUInt8:
		return 8, false, true
	case TypeUInt16:
		return 16, false, true
	case TypeUInt32:
		return 32, false, true
	case TypeUInt64, TypeDateTime:
		return 64, false, true
	}
	return 0, false, false
}

// Payload is a decoded Sparkplug B payload.
type Payload struct {
	Timestamp time.Time // when the message was sent, UTC; zero when absent
	Seq       uint64    // the sequence number, 0 to 255 when valid
	HasSeq    bool      // false for NDEATH, NCMD and DCMD
	UUID      string
	Metrics   []Metric
	Body      []byte
}

// Metric is one metric of a payload. Metadata and properties are not kept.
type Metric struct {
	Name     string // empty when the metric is sent by alias only
	Alias    uint64
	HasAlias bool
	Time     time.Time // the metric's timestamp, UTC; zero when absent
	DataType DataType  // TypeUnknown in DATA messages that leave it out
	// Value is the reading of a scalar metric: integers, Float, Double and
	// DateTime (milliseconds since the epoch) as Number, Boolean as Bool,
	// String, Text and UUID as Text. It is Null when IsNull is set and for
	// every other data type.
	Value monitoring.Value
	// Bytes holds the raw value of Bytes, File and array metrics (Sparkplug
	// 3.0 packs arrays into bytes_value, little-endian).
	Bytes        []byte
	IsNull       bool
	IsHistorical bool
	IsTransient  bool
}

// Decode decodes a Sparkplug B payload. It returns an Invalid error when the
// bytes are not a protobuf Payload, or a metric's value does not fit its
// data type (an Int8 of 300, a Boolean sent as a string).
//
// The protobuf stores signed integers in unsigned fields. Decode accepts both
// forms senders use: sign-extended to the field's width (Eclipse Tahu: Int8 -1
// is int_value 0xFFFFFFFF) and the type's own width (Int8 -1 as 0xFF).
// A metric without a data type (DATA messages leave it out,
// tck-id-payloads-metric-datatype-not-req) is read as its field says:
// int_value and long_value as unsigned numbers; Host reads such metrics with
// the type their birth declared.
func Decode(payload []byte) (Payload, error) {
	return decode(payload, nil)
}

// decode decodes a payload; typeOf, when not nil, gives the data type of a
// metric that carries none.
func decode(payload []byte, typeOf func(Metric) DataType) (Payload, error) {
	var pb sproto.Payload
	if err := proto.Unmarshal(payload, &pb); err != nil {
		return Payload{}, &forkline.Error{Code: forkline.Invalid, Msg: "The Sparkplug payload is not a valid protobuf message.", Err: err}
	}
	p := Payload{
		Timestamp: millis(pb.Timestamp),
		HasSeq:    pb.Seq != nil,
		Seq:       pb.GetSeq(),
		UUID:      pb.GetUuid(),
		Body:      pb.GetBody(),
	}
	if len(pb.Metrics) > 0 {
		p.Metrics = make([]Metric, 0, len(pb.Metrics))
	}
	for i, pm := range pb.Metrics {
		m := Metric{
			Name:         pm.GetName(),
			Alias:        pm.GetAlias(),
			HasAlias:     pm.Alias != nil,
			Time:         millis(pm.Timestamp),
			DataType:     DataType(pm.GetDatatype()),
			IsNull:       pm.GetIsNull(),
			IsHistorical: pm.GetIsHistorical(),
			IsTransient:  pm.GetIsTransient(),
		}
		if pm.Datatype == nil && typeOf != nil {
			m.DataType = typeOf(m)
		}
		if !m.IsNull {
			if err := m.setValue(pm); err != nil {
				name := m.Name
				if name == "" {
					name = fmt.Sprintf("alias %d", m.Alias)
				}
				return Payload{}, forkline.Errorf(forkline.Invalid, "sparkplug metric %d (%s): %s", i, name, forkline.ErrorMessage(err))
			}
		}
		p.Metrics = append(p.Metrics, m)
	}
	return p, nil
}

func millis(ms *uint64) time.Time {
	if ms == nil {
		return time.Time{}
	}
	return time.UnixMilli(int64(*ms)).UTC()
}

// setValue reads the metric's value from the protobuf oneof by its data type.
func (m *Metric) setValue(pm *sproto.Payload_Metric) error {
	if pm.Value == nil {
		return nil // no value: a DataSet or Template definition, or a sender's omission
	}
	if bits, signed, ok := m.DataType.intRange(); ok {
		return m.setInt(pm, bits, signed)
	}
	switch m.DataType {
	case TypeFloat, TypeDouble:
		switch v := pm.Value.(type) {
		case *sproto.Payload_Metric_FloatValue:
			m.Value = monitoring.NumberValue(float64(v.FloatValue))
		case *sproto.Payload_Metric_DoubleValue:
			m.Value = monitoring.NumberValue(v.DoubleValue)
		default:
			return mismatch(m.DataType, pm)
		}
	case TypeBoolean:
		v, ok := pm.Value.(*sproto.Payload_Metric_BooleanValue)
		if !ok {
			return mismatch(m.DataType, pm)
		}
		m.Value = monitoring.BoolValue(v.BooleanValue)
	case TypeString, TypeText, TypeUUID:
		v, ok := pm.Value.(*sproto.Payload_Metric_StringValue)
		if !ok {
			return mismatch(m.DataType, pm)
		}
		m.Value = monitoring.TextValue(v.StringValue)
	case TypeBytes, TypeFile, TypeInt8Array, TypeInt16Array, TypeInt32Array, TypeInt64Array,
		TypeUInt8Array, TypeUInt16Array, TypeUInt32Array, TypeUInt64Array, TypeFloatArray,
		TypeDoubleArray, TypeBooleanArray, TypeStringArray, TypeDateTimeArray:
		v, ok := pm.Value.(*sproto.Payload_Metric_BytesValue)
		if !ok {
			return mismatch(m.DataType, pm)
		}
		m.Bytes = v.BytesValue
	case TypeUnknown:
		// No data type and none known: take the value as the field says.
		switch v := pm.Value.(type) {
		case *sproto.Payload_Metric_IntValue:
			m.Value = monitoring.NumberValue(float64(v.IntValue))
		case *sproto.Payload_Metric_LongValue:
			m.Value = monitoring.NumberValue(float64(v.LongValue))
		case *sproto.Payload_Metric_FloatValue:
			m.Value = monitoring.NumberValue(float64(v.FloatValue))
		case *sproto.Payload_Metric_DoubleValue:
			m.Value = monitoring.NumberValue(v.DoubleValue)
		case *sproto.Payload_Metric_BooleanValue:
			m.Value = monitoring.BoolValue(v.BooleanValue)
		case *sproto.Payload_Metric_StringValue:
			m.Value = monitoring.TextValue(v.StringValue)
		case *sproto.Payload_Metric_BytesValue:
			m.Bytes = v.BytesValue
		}
	}
	// DataSet, Template, PropertySet, PropertySetList and data types beyond
	// the specification decode without a value.
	return nil
}

// setInt reads an integer or DateTime metric from int_value or long_value.
func (m *Metric) setInt(pm *sproto.Payload_Metric, bits uint, signed bool) error {
	var raw uint64
	var field uint // the width of the protobuf field
	switch v := pm.Value.(type) {
	case *sproto.Payload_Metric_IntValue:
		raw, field = uint64(v.IntValue), 32
	case *sproto.Payload_Metric_LongValue:
		raw, field = v.LongValue, 64
	default:
		return mismatch(m.DataType, pm)
	}
	if !signed {
		if bits < 64 && raw>>bits != 0 {
			return forkline.Errorf(forkline.Invalid, "the value %d does not fit %s", raw, m.DataType)
		}
		m.Value = monitoring.NumberValue(float64(raw))
		return nil
	}
	var n int64
	switch {
	case bits >= field:
		// The field's width or wider: two's complement at the field's width.
		if field == 32 {
			n = int64(int32(raw))
		} else {
			n = int64(raw)
		}
	case raw>>bits == 0:
		// The type's own width: Int8 -1 sent as 0xFF.
		n = signExtend(raw, bits)
	case raw >= (uint64(1)<<field)-(uint64(1)<<(bits-1)):
		// Sign-extended to the field's width: Int8 -1 sent as 0xFFFFFFFF.
		// (For a 64-bit field 1<<field is 0 and the difference wraps.)
		n = signExtend(raw&(uint64(1)<<bits-1), bits)
	default:
		return forkline.Errorf(forkline.Invalid, "the value %d does not fit %s", raw, m.DataType)
	}
	m.Value = monitoring.NumberValue(float64(n))
	return nil
}

// signExtend reads the low bits of raw as a two's complement number.
func signExtend(raw uint64, bits uint) int64 {
	shift := 64 - bits
	return int64(raw<<shift) >> shift
}

func mismatch(d DataType, pm *sproto.Payload_Metric) error {
	return forkline.Errorf(forkline.Invalid, "%s cannot be sent in %s", d, fieldName(pm))
}

func fieldName(pm *sproto.Payload_Metric) string {
	switch pm.Value.(type) {
	case *sproto.Payload_Metric_IntValue:
		return "int_value"
	case *sproto.Payload_Metric_LongValue:
		return "long_value"
	case *sproto.Payload_Metric_FloatValue:
		return "float_value"
	case *sproto.Payload_Metric_DoubleValue:
		return "double_value"
	case *sproto.Payload_Metric_BooleanValue:
		return "boolean_value"
	case *sproto.Payload_Metric_StringValue:
		return "string_value"
	case *sproto.Payload_Metric_BytesValue:
		return "bytes_value"
	case *sproto.Payload_Metric_DatasetValue:
		return "dataset_value"
	case *sproto.Payload_Metric_TemplateValue:
		return "template_value"
	}
	return "extension_value"
}

// Encode encodes a payload. Every metric's value must suit its data type: a
// Number that is a whole number in range for the integer types and DateTime,
// a Bool for Boolean, a Text for String, Text and UUID, Bytes for Bytes, File
// and the arrays; IsNull sends is_null and no value. DataSet, Template and
// property-set metrics are sent without content. Signed integers are
// sign-extended to the protobuf field, as Eclipse Tahu does. Encode returns
// an Invalid error for a value that does not suit its metric.
func Encode(p Payload) ([]byte, error) {
	return encode(p, true)
}

// encode encodes a payload; withTypes false leaves the data type out of the
// metrics, as DATA messages should (tck-id-payloads-metric-datatype-not-req).
func encode(p Payload, withTypes bool) ([]byte, error) {
	var pb sproto.Payload
	var err error
	if pb.Timestamp, err = toMillis(p.Timestamp); err != nil {
		return nil, err
	}
	if p.HasSeq {
		pb.Seq = proto.Uint64(p.Seq)
	}
	if p.UUID != "" {
		pb.Uuid = proto.String(p.UUID)
	}
	pb.Body = p.Body
	for _, m := range p.Metrics {
		pm, err := m.toProto(withTypes)
		if err != nil {
			return nil, err
		}
		pb.Metrics = append(pb.Metrics, pm)
	}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(&pb)
	if err != nil {
		return nil, fmt.Errorf("encode sparkplug payload: %w", err)
	}
	return b, nil
}

func toMillis(t time.Time) (*uint64, error) {
	if t.IsZero() {
		return nil, nil
	}
	ms := t.UnixMilli()
	if ms < 0 {
		return nil, forkline.Errorf(forkline.Invalid, "the time %s is before 1970", t.UTC().Format(time.RFC3339))
	}
	return proto.Uint64(uint64(ms)), nil
}

func (m Metric) toProto(withType bool) (*sproto.Payload_Metric, error) {
	pm := &sproto.Payload_Metric{}
	if m.Name != "" {
		pm.Name = proto.String(m.Name)
	}
	if m.HasAlias {
		pm.Alias = proto.Uint64(m.Alias)
	}
	var err error
	if pm.Timestamp, err = toMillis(m.Time); err != nil {
		return nil, m.errorf("%s", forkline.ErrorMessage(err))
	}
	if withType && m.DataType != TypeUnknown {
		pm.Datatype = proto.Uint32(uint32(m.DataType))
	}
	if m.IsHistorical {
		pm.IsHistorical = proto.Bool(true)
	}
	if m.IsTransient {
		pm.IsTransient = proto.Bool(true)
	}
	if m.IsNull {
		pm.IsNull = proto.Bool(true)
		return pm, nil
	}
	if err := m.setProtoValue(pm); err != nil {
		return nil, err
	}
	return pm, nil
}

// setProtoValue sets the protobuf oneof of pm to the metric's value.
func (m Metric) setProtoValue(pm *sproto.Payload_Metric) error {
	v := m.Value
	if bits, signed, ok := m.DataType.intRange(); ok {
		if v.Kind != monitoring.Number {
			return m.errorf("%s needs a number, not %q", m.DataType, v)
		}
		return m.setProtoInt(pm, v.Num, bits, signed)
	}
	switch m.DataType {
	case TypeFloat:
		if v.Kind != monitoring.Number {
			return m.errorf("Float needs a number, not %q", v)
		}
		f := float32(v.Num)
		if math.IsInf(float64(f), 0) && !math.IsInf(v.Num, 0) {
			return m.errorf("the value %g does not fit Float", v.Num)
		}
		pm.Value = &sproto.Payload_Metric_FloatValue{FloatValue: f}
		return nil
	case TypeDouble:
		if v.Kind != monitoring.Number {
			return m.errorf("Double needs a number, not %q", v)
		}
		pm.Value = &sproto.Payload_Metric_DoubleValue{DoubleValue: v.Num}
		return nil
	case TypeBoolean:
		if v.Kind != monitoring.Bool {
			return m.errorf("Boolean needs a boolean, not %q", v)
		}
		pm.Value = &sproto.Payload_Metric_BooleanValue{BooleanValue: v.Bool}
		return nil
	case TypeString, TypeText, TypeUUID:
		if v.Kind != monitoring.Text {
			return m.errorf("%s needs a text, not %q", m.DataType, v)
		}
		pm.Value = &sproto.Payload_Metric_StringValue{StringValue: v.Text}
		return nil
	}
	if v.Kind != monitoring.Null {
		return m.errorf("%s cannot carry the value %q", m.DataType, v)
	}
	if m.Bytes != nil {
		if m.DataType != TypeBytes && m.DataType != TypeFile && (m.DataType < TypeInt8Array || m.DataType > TypeDateTimeArray) {
			return m.errorf("%s cannot carry bytes", m.DataType)
		}
		pm.Value = &sproto.Payload_Metric_BytesValue{BytesValue: m.Bytes}
		return nil
	}
	return nil
}

// setProtoInt checks that f is a whole number in range and sets it in the
// protobuf field the data type uses: int_value for 8, 16 and 32 bits,
// long_value for 64 bits and DateTime.
func (m Metric) setProtoInt(pm *sproto.Payload_Metric, f float64, bits uint, signed bool) error {
	lo, hi := 0.0, math.Ldexp(1, int(bits)) // [lo, hi)
	if signed {
		lo, hi = -math.Ldexp(1, int(bits)-1), math.Ldexp(1, int(bits)-1)
	}
	if f != math.Trunc(f) || f < lo || f >= hi {
		return m.errorf("the value %g does not fit %s", f, m.DataType)
	}
	var u uint64
	if signed {
		u = uint64(int64(f))
	} else {
		u = uint64(f)
	}
	if bits == 64 {
		pm.Value = &sproto.Payload_Metric_LongValue{LongValue: u}
	} else {
		pm.Value = &sproto.Payload_Metric_IntValue{IntValue: uint32(u)}
	}
	return nil
}

func (m Metric) errorf(format string, args ...any) error {
	name := m.Name
	if name == "" {
		name = fmt.Sprintf("alias %d", m.Alias)
	}
	return forkline.Errorf(forkline.Invalid, "sparkplug metric %s: %s", name, fmt.Sprintf(format, args...))
}
