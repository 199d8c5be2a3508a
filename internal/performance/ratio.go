package performance

import (
	"encoding/json"
	"math/big"
	"strconv"
)

// Ratio is a KPI value that may be undefined: Defined is false when the
// denominator was zero ("n/a"). The zero Ratio is undefined, so a ratio
// nobody computed never reads as 0.
type Ratio struct {
	Value   float64
	Defined bool
}

// String returns the value, or "n/a" when it is not defined.
func (r Ratio) String() string {
	if !r.Defined {
		return "n/a"
	}
	return strconv.FormatFloat(r.Value, 'f', -1, 64)
}

// MarshalJSON returns the value as a JSON number, or null when it is not
// defined.
func (r Ratio) MarshalJSON() ([]byte, error) {
	if !r.Defined {
		return []byte("null"), nil
	}
	return json.Marshal(r.Value)
}

// UnmarshalJSON reads what MarshalJSON writes.
func (r *Ratio) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*r = Ratio{}
		return nil
	}
	var v float64
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*r = Ratio{Value: v, Defined: true}
	return nil
}

// exact is the largest magnitude up to which every int64 is a float64.
const exact = 1 << 53

// ratio returns num/den correctly rounded, undefined when den is 0.
func ratio(num, den int64) Ratio {
	if den == 0 {
		return Ratio{}
	}
	if -exact <= num && num <= exact && -exact <= den && den <= exact {
		// Both operands are exact, so IEEE division rounds the true quotient once.
		return Ratio{Value: float64(num) / float64(den), Defined: true}
	}
	v, _ := new(big.Rat).SetFrac(big.NewInt(num), big.NewInt(den)).Float64()
	return Ratio{Value: v, Defined: true}
}

// ratio2 returns (a×b)/(c×d) correctly rounded, undefined when c×d is 0.
func ratio2(a, b, c, d int64) Ratio {
	if c == 0 || d == 0 {
		return Ratio{}
	}
	num := new(big.Int).Mul(big.NewInt(a), big.NewInt(b))
	den := new(big.Int).Mul(big.NewInt(c), big.NewInt(d))
	v, _ := new(big.Rat).SetFrac(num, den).Float64()
	return Ratio{Value: v, Defined: true}
}
