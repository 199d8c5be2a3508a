package opcua

import (
	"math"
	"time"

	"github.com/forkline/forkline/internal/monitoring"
	"github.com/gopcua/opcua/ua"
)

// ValueOf turns an OPC UA value into a monitoring value (see the package
// doc for the mapping). Int64 and UInt64 values beyond 2^53 lose precision
// as numbers. A nil or empty variant, an array, NaN, infinity and a type
// without a meaning as one reading (ByteString, ExtensionObject, DataValue,
// Variant, DiagnosticInfo) are Null.
func ValueOf(v *ua.Variant) monitoring.Value {
	if v == nil || v.Value() == nil || v.Has(ua.VariantArrayValues) {
		return monitoring.Value{}
	}
	switch x := v.Value().(type) {
	case bool:
		return monitoring.BoolValue(x)
	case int8:
		return monitoring.NumberValue(float64(x))
	case uint8:
		return monitoring.NumberValue(float64(x))
	case int16:
		return monitoring.NumberValue(float64(x))
	case uint16:
		return monitoring.NumberValue(float64(x))
	case int32:
		return monitoring.NumberValue(float64(x))
	case uint32:
		return monitoring.NumberValue(float64(x))
	case int64:
		return monitoring.NumberValue(float64(x))
	case uint64:
		return monitoring.NumberValue(float64(x))
	case float32:
		return number(float64(x))
	case float64:
		return number(x)
	case string:
		return monitoring.TextValue(x)
	case time.Time:
		if x.IsZero() {
			return monitoring.Value{} // OPC UA's "no time", DateTime 0
		}
		return monitoring.NumberValue(float64(x.UnixMilli()))
	case ua.StatusCode:
		return monitoring.NumberValue(float64(x))
	case *ua.LocalizedText:
		if x == nil {
			return monitoring.Value{}
		}
		return monitoring.TextValue(x.Text)
	case *ua.QualifiedName:
		if x == nil {
			return monitoring.Value{}
		}
		return monitoring.TextValue(x.Name)
	case ua.XMLElement:
		return monitoring.TextValue(string(x))
	case *ua.GUID:
		if x == nil {
			return monitoring.Value{}
		}
		return monitoring.TextValue(x.String())
	case *ua.NodeID:
		if x == nil {
			return monitoring.Value{}
		}
		return monitoring.TextValue(x.String())
	case *ua.ExpandedNodeID:
		if x == nil {
			return monitoring.Value{}
		}
		return monitoring.TextValue(x.String())
	}
	return monitoring.Value{}
}

func number(f float64) monitoring.Value {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return monitoring.Value{}
	}
	return monitoring.NumberValue(f)
}

// SampleOf turns one data value of one node into a sample. Its time is the
// source timestamp, else the server timestamp, else now; its value is Null
// when the status is bad (OPC UA Part 4, 7.39), whatever the value says.
// An uncertain status keeps the value.
func SampleOf(address string, dv *ua.DataValue, now time.Time) monitoring.Sample {
	s := monitoring.Sample{Address: address, Time: now.UTC()}
	if dv == nil {
		return s
	}
	switch {
	case !dv.SourceTimestamp.IsZero():
		s.Time = dv.SourceTimestamp.UTC()
	case !dv.ServerTimestamp.IsZero():
		s.Time = dv.ServerTimestamp.UTC()
	}
	if bad(dv.Status) {
		return s
	}
	s.Value = ValueOf(dv.Value)
	return s
}

// bad reports whether a status code's severity (its top two bits) is Bad.
func bad(c ua.StatusCode) bool { return uint32(c)>>30 == 2 }
