package b2mml

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// dateTimeLexical is the lexical space of xs:dateTime (XML Schema 1.0 part 2,
// 3.2.7) for four-digit years. The zone is optional there; parseDateTime
// demands it.
var dateTimeLexical = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$`)

// parseDateTime reads an xs:dateTime into UTC. It returns "" as the problem
// when s is good, or a sentence saying what is wrong.
//
// A time without a zone offset is refused: XML Schema leaves its zone open,
// and guessing it would shift a planned start by hours. Years outside
// 0001-9999 are refused too (no plant plans that far). Fractional seconds
// beyond nanoseconds are cut off.
func parseDateTime(s string) (time.Time, string) {
	s = strings.TrimSpace(s) // the whiteSpace facet of xs:dateTime is collapse
	if s == "" {
		return time.Time{}, "is empty"
	}
	m := dateTimeLexical.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, "is not an xs:dateTime such as 2026-03-16T06:00:00Z"
	}
	if m[8] == "" {
		return time.Time{}, "has no time zone; add Z for UTC or an offset such as +01:00"
	}
	num := func(i int) int { n, _ := strconv.Atoi(m[i]); return n }
	year, month, day, hour, minute, second := num(1), time.Month(num(2)), num(3), num(4), num(5), num(6)
	nanos := 0
	if f := m[7]; f != "" {
		f = f[1:]
		if len(f) > 9 {
			f = f[:9]
		}
		nanos, _ = strconv.Atoi(f + strings.Repeat("0", 9-len(f)))
	}
	switch {
	case year == 0:
		return time.Time{}, "has year 0000, which does not exist"
	case month < 1 || month > 12:
		return time.Time{}, "has a month outside 01-12"
	case day < 1 || day > daysIn(year, month):
		return time.Time{}, "has a day that is not in its month"
	case minute > 59 || second > 59:
		return time.Time{}, "has minutes or seconds outside 00-59"
	case hour > 24 || hour == 24 && (minute != 0 || second != 0 || nanos != 0):
		return time.Time{}, "has an hour outside 00-23 (24:00:00 is allowed for the end of a day)"
	}
	offset := 0
	if z := m[8]; z != "Z" {
		oh, _ := strconv.Atoi(z[1:3])
		om, _ := strconv.Atoi(z[4:6])
		if om > 59 || oh > 14 || oh == 14 && om != 0 {
			return time.Time{}, "has a time zone offset outside -14:00 to +14:00"
		}
		offset = (oh*60 + om) * 60
		if z[0] == '-' {
			offset = -offset
		}
	}
	// time.Date normalises hour 24 to 00:00 of the next day, as XML Schema does.
	t := time.Date(year, month, day, hour, minute, second, nanos, time.FixedZone("", offset))
	return t.UTC(), ""
}

func daysIn(year int, m time.Month) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// formatDateTime writes t as an xs:dateTime in UTC.
func formatDateTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.999999999Z07:00")
}
