package forkline

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// Scale is the number of decimal places a Quantity holds exactly.
// Amounts are integers in millionths of a unit (micro-units): 1 kg is stored as
// 1,000,000, and 0.000001 kg (1 mg) is the smallest step. The int64 range
// allows about 9.2 billion units, far above any lot.
const Scale = 6

const scaleFactor = 1_000_000

// Unit is a unit of measure. Mass, volume and count units convert with fixed
// factors; pack units (case, pallet) convert with the pack sizes of an item.
type Unit string

// The units Forkline knows.
const (
	Kilogram   Unit = "kg"
	Gram       Unit = "g"
	Pound      Unit = "lb"
	Ounce      Unit = "oz"
	Liter      Unit = "L"
	Milliliter Unit = "mL"
	Each       Unit = "ea"
	Case       Unit = "case"
	Pallet     Unit = "pallet"
)

// Dimension is what a unit measures.
type Dimension string

// The dimensions.
const (
	Mass   Dimension = "mass"
	Volume Dimension = "volume"
	Count  Dimension = "count"
	Pack   Dimension = "pack" // item-specific: needs the item's pack sizes
)

type unitDef struct {
	dim    Dimension
	factor *big.Rat // value of one unit in the dimension's reference unit
}

// Exact factors: the international pound is 0.45359237 kg by definition, and
// an avoirdupois ounce is 1/16 of it.
var units = map[Unit]unitDef{
	Kilogram:   {Mass, big.NewRat(1, 1)},
	Gram:       {Mass, big.NewRat(1, 1000)},
	Pound:      {Mass, big.NewRat(45359237, 100000000)},
	Ounce:      {Mass, big.NewRat(45359237, 1600000000)},
	Liter:      {Volume, big.NewRat(1, 1)},
	Milliliter: {Volume, big.NewRat(1, 1000)},
	Each:       {Count, big.NewRat(1, 1)},
	Case:       {Pack, nil},
	Pallet:     {Pack, nil},
}

// Units lists every known unit in a stable order.
func Units() []Unit {
	return []Unit{Kilogram, Gram, Pound, Ounce, Liter, Milliliter, Each, Case, Pallet}
}

// ParseUnit returns the unit named s, accepting common spellings ("l", "ml", "each").
func ParseUnit(s string) (Unit, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "kg":
		return Kilogram, nil
	case "g":
		return Gram, nil
	case "lb", "lbs":
		return Pound, nil
	case "oz":
		return Ounce, nil
	case "l":
		return Liter, nil
	case "ml":
		return Milliliter, nil
	case "ea", "each":
		return Each, nil
	case "case", "cs":
		return Case, nil
	case "pallet", "plt":
		return Pallet, nil
	}
	return "", Errorf(Invalid, "unknown unit %q (use one of kg, g, lb, oz, L, mL, ea, case, pallet)", s)
}

// Dimension returns what u measures, or "" for an unknown unit.
func (u Unit) Dimension() Dimension { return units[u].dim }

// Quantity is an exact amount with a unit. The zero value is zero of no unit.
type Quantity struct {
	micros int64 // amount in millionths of Unit
	Unit   Unit
}

// NewQuantity returns whole units of u.
func NewQuantity(whole int64, u Unit) Quantity {
	return Quantity{micros: whole * scaleFactor, Unit: u}
}

// QuantityFromMicros returns micros millionths of u.
func QuantityFromMicros(micros int64, u Unit) Quantity { return Quantity{micros: micros, Unit: u} }

// Micros returns the amount in millionths of the unit.
func (q Quantity) Micros() int64 { return q.micros }

// ParseDecimal parses a plain decimal such as "12", "-0.5" or "1234.000001"
// into millionths. More than Scale decimal places is an error, never a silent rounding.
func ParseDecimal(s string) (int64, error) {
	s = strings.TrimSpace(s)
	neg := false
	if strings.HasPrefix(s, "-") {
		neg, s = true, s[1:]
	} else if strings.HasPrefix(s, "+") {
		s = s[1:]
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" && frac == "" || hasDot && frac == "" || !digits(whole) || !digits(frac) {
		return 0, Errorf(Invalid, "%q is not a decimal number", s)
	}
	if len(frac) > Scale {
		return 0, Errorf(Invalid, "%q has more than %d decimal places", s, Scale)
	}
	if whole == "" {
		whole = "0"
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w > math.MaxInt64/scaleFactor-1 {
		return 0, Errorf(Invalid, "%q is too large", s)
	}
	f := int64(0)
	if frac != "" {
		f, _ = strconv.ParseInt(frac+strings.Repeat("0", Scale-len(frac)), 10, 64)
	}
	v := w*scaleFactor + f
	if neg {
		v = -v
	}
	return v, nil
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// FormatDecimal formats millionths as a plain decimal without trailing zeros.
func FormatDecimal(micros int64) string {
	sign := ""
	u := uint64(micros)
	if micros < 0 {
		sign = "-"
		u = uint64(-micros)
	}
	whole, frac := u/scaleFactor, u%scaleFactor
	if frac == 0 {
		return sign + strconv.FormatUint(whole, 10)
	}
	fs := strings.TrimRight(fmt.Sprintf("%06d", frac), "0")
	return sign + strconv.FormatUint(whole, 10) + "." + fs
}

// ParseQuantity parses "12.5 kg" or "12.5kg".
func ParseQuantity(s string) (Quantity, error) {
	s = strings.TrimSpace(s)
	i := strings.IndexFunc(s, func(r rune) bool { return !(r >= '0' && r <= '9' || r == '.' || r == '-' || r == '+') })
	if i <= 0 {
		return Quantity{}, Errorf(Invalid, "%q is not a quantity such as \"12.5 kg\"", s)
	}
	v, err := ParseDecimal(s[:i])
	if err != nil {
		return Quantity{}, err
	}
	u, err := ParseUnit(s[i:])
	if err != nil {
		return Quantity{}, err
	}
	return Quantity{micros: v, Unit: u}, nil
}

// Decimal returns the amount as a plain decimal string, such as "12.5".
func (q Quantity) Decimal() string { return FormatDecimal(q.micros) }

// String returns "12.5 kg".
func (q Quantity) String() string { return q.Decimal() + " " + string(q.Unit) }

// IsZero reports whether the amount is zero.
func (q Quantity) IsZero() bool { return q.micros == 0 }

// Sign returns -1, 0 or +1.
func (q Quantity) Sign() int {
	switch {
	case q.micros < 0:
		return -1
	case q.micros > 0:
		return 1
	}
	return 0
}

// Add returns q+r; both must have the same unit.
func (q Quantity) Add(r Quantity) (Quantity, error) {
	if q.Unit != r.Unit {
		return Quantity{}, Errorf(Invalid, "cannot add %s to %s: convert to one unit first", r.Unit, q.Unit)
	}
	s := q.micros + r.micros
	if (s > q.micros) != (r.micros > 0) {
		return Quantity{}, Errorf(Invalid, "quantity overflow")
	}
	return Quantity{micros: s, Unit: q.Unit}, nil
}

// Sub returns q-r; both must have the same unit.
func (q Quantity) Sub(r Quantity) (Quantity, error) {
	if q.Unit != r.Unit {
		return Quantity{}, Errorf(Invalid, "cannot subtract %s from %s: convert to one unit first", r.Unit, q.Unit)
	}
	// Subtract directly: negating r first would overflow for the most negative amount.
	d := q.micros - r.micros
	if (d < q.micros) != (r.micros > 0) {
		return Quantity{}, Errorf(Invalid, "quantity overflow")
	}
	return Quantity{micros: d, Unit: q.Unit}, nil
}

// Cmp compares q and r, which must have the same unit: -1, 0 or +1.
func (q Quantity) Cmp(r Quantity) (int, error) {
	if q.Unit != r.Unit {
		return 0, Errorf(Invalid, "cannot compare %s with %s: convert to one unit first", q.Unit, r.Unit)
	}
	switch {
	case q.micros < r.micros:
		return -1, nil
	case q.micros > r.micros:
		return 1, nil
	}
	return 0, nil
}

// PackSize says how much one pack unit of an item holds, e.g. 1 case = 12 ea,
// or 1 pallet = 80 case. Contents may itself be a pack unit.
type PackSize struct {
	Unit     Unit
	Contents Quantity
}

// Validate checks one pack size.
func (p PackSize) Validate() error {
	if p.Unit.Dimension() != Pack {
		return Errorf(Invalid, "%q is not a pack unit (use case or pallet)", p.Unit)
	}
	if p.Contents.Sign() <= 0 {
		return Errorf(Invalid, "one %s must hold a positive quantity", p.Unit)
	}
	if p.Contents.Unit.Dimension() == "" || p.Contents.Unit == p.Unit {
		return Errorf(Invalid, "one %s must be given in another known unit", p.Unit)
	}
	return nil
}

// resolve returns the value of one unit u in the reference unit of its
// dimension, following pack sizes.
func resolve(u Unit, packs []PackSize, depth int) (Dimension, *big.Rat, error) {
	d, ok := units[u]
	if !ok {
		return "", nil, Errorf(Invalid, "unknown unit %q", u)
	}
	if d.dim != Pack {
		return d.dim, d.factor, nil
	}
	if depth > len(packs) {
		return "", nil, Errorf(Invalid, "pack sizes refer to each other in a loop")
	}
	for _, p := range packs {
		if p.Unit != u {
			continue
		}
		dim, f, err := resolve(p.Contents.Unit, packs, depth+1)
		if err != nil {
			return "", nil, err
		}
		r := new(big.Rat).SetFrac64(p.Contents.micros, scaleFactor)
		return dim, r.Mul(r, f), nil
	}
	return "", nil, Errorf(Invalid, "the item has no pack size for %s", u)
}

// Convert returns q in unit to, using fixed factors for mass and volume and
// the item's pack sizes for case and pallet. Converting across dimensions
// (mass to count) is only possible through a pack size that bridges them,
// e.g. 1 case = 10 kg. The result is rounded half to even at Scale decimal
// places; exact reports whether no rounding happened.
func Convert(q Quantity, to Unit, packs []PackSize) (result Quantity, exact bool, err error) {
	if q.Unit == to {
		return q, true, nil
	}
	fromDim, fromF, err := resolve(q.Unit, packs, 0)
	if err != nil {
		return Quantity{}, false, err
	}
	toDim, toF, err := resolve(to, packs, 0)
	if err != nil {
		return Quantity{}, false, err
	}
	if fromDim != toDim {
		return Quantity{}, false, Errorf(Invalid, "cannot convert %s (%s) to %s (%s)", q.Unit, fromDim, to, toDim)
	}
	v := new(big.Rat).SetInt64(q.micros)
	v.Mul(v, fromF)
	v.Quo(v, toF)
	n, exact := roundHalfEven(v)
	if !n.IsInt64() {
		return Quantity{}, false, Errorf(Invalid, "quantity overflow converting %s to %s", q, to)
	}
	return Quantity{micros: n.Int64(), Unit: to}, exact, nil
}

func roundHalfEven(r *big.Rat) (*big.Int, bool) {
	num, den := r.Num(), r.Denom()
	q, m := new(big.Int).QuoRem(num, den, new(big.Int))
	if m.Sign() == 0 {
		return q, true
	}
	twice := new(big.Int).Mul(new(big.Int).Abs(m), big.NewInt(2))
	switch c := twice.Cmp(den); {
	case c > 0 || c == 0 && q.Bit(0) == 1:
		if num.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return q, false
}

// MarshalText writes "12.5 kg", so snapshots and wire formats keep the amount.
func (q Quantity) MarshalText() ([]byte, error) {
	if q.Unit == "" && q.micros == 0 {
		return []byte{}, nil
	}
	return []byte(q.String()), nil
}

// UnmarshalText reads "12.5 kg"; empty text is the zero Quantity.
func (q *Quantity) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*q = Quantity{}
		return nil
	}
	v, err := ParseQuantity(string(b))
	if err != nil {
		return err
	}
	*q = v
	return nil
}
