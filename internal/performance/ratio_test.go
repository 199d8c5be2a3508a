package performance_test

import (
	"encoding/json"
	"testing"

	"github.com/forkline/forkline/internal/performance"
)

func TestRatioStringAndJSON(t *testing.T) {
	tests := []struct {
		name      string
		r         performance.Ratio
		str, js   string
		roundTrip performance.Ratio
	}{
		{"an undefined ratio is n/a and null", performance.Ratio{}, "n/a", "null", performance.Ratio{}},
		{"a defined zero is 0, not n/a", performance.Ratio{Value: 0, Defined: true}, "0", "0", performance.Ratio{Value: 0, Defined: true}},
		{"a defined value keeps its digits", performance.Ratio{Value: 0.75, Defined: true}, "0.75", "0.75", performance.Ratio{Value: 0.75, Defined: true}},
		{"an undefined ratio ignores a stray value", performance.Ratio{Value: 3}, "n/a", "null", performance.Ratio{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.r.String(); got != tt.str {
				t.Errorf("String() = %q, want %q", got, tt.str)
			}
			b, err := json.Marshal(struct{ R performance.Ratio }{tt.r})
			if err != nil {
				t.Fatal(err)
			}
			if want := `{"R":` + tt.js + `}`; string(b) != want {
				t.Errorf("json.Marshal = %s, want %s", b, want)
			}
			var back struct{ R performance.Ratio }
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			if back.R != tt.roundTrip {
				t.Errorf("json.Unmarshal(%s) = %+v, want %+v", b, back.R, tt.roundTrip)
			}
		})
	}
}

func TestRatioUnmarshalRejectsText(t *testing.T) {
	var r performance.Ratio
	if err := json.Unmarshal([]byte(`"n/a"`), &r); err == nil {
		t.Errorf("json.Unmarshal(%q) = nil error, want one", `"n/a"`)
	}
}
