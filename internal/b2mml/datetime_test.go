package b2mml

import (
	"testing"
	"time"
)

func TestParseDateTimeReadsXSDateTimeWithAZone(t *testing.T) {
	good := []struct {
		in   string
		want time.Time
	}{
		{"2026-03-16T06:00:00Z", time.Date(2026, 3, 16, 6, 0, 0, 0, time.UTC)},
		{" 2026-03-16T06:00:00Z\n", time.Date(2026, 3, 16, 6, 0, 0, 0, time.UTC)},
		{"2026-03-16T07:00:00+01:00", time.Date(2026, 3, 16, 6, 0, 0, 0, time.UTC)},
		{"2026-03-15T23:30:00-06:30", time.Date(2026, 3, 16, 6, 0, 0, 0, time.UTC)},
		{"2026-03-16T06:00:00.5Z", time.Date(2026, 3, 16, 6, 0, 0, 500_000_000, time.UTC)},
		{"2026-03-16T06:00:00.1234567891234Z", time.Date(2026, 3, 16, 6, 0, 0, 123_456_789, time.UTC)},
		{"2026-03-16T24:00:00Z", time.Date(2026, 3, 17, 0, 0, 0, 0, time.UTC)},
		{"2028-02-29T12:00:00+14:00", time.Date(2028, 2, 28, 22, 0, 0, 0, time.UTC)},
	}
	for _, tt := range good {
		got, problem := parseDateTime(tt.in)
		if problem != "" || !got.Equal(tt.want) || got.Location() != time.UTC {
			t.Errorf("parseDateTime(%q) = %v, %q; want %v in UTC", tt.in, got, problem, tt.want)
		}
	}
	bad := []string{
		"", "2026-03-16", "2026-03-16T06:00:00", "2026-03-16 06:00:00Z", "2026-3-16T06:00:00Z",
		"2026-02-29T06:00:00Z", "2026-13-01T06:00:00Z", "2026-00-01T06:00:00Z", "0000-01-01T00:00:00Z",
		"2026-03-16T24:00:01Z", "2026-03-16T06:60:00Z", "2026-03-16T06:00:60Z", "2026-03-16T06:00:00+15:00",
		"2026-03-16T06:00:00+14:30", "2026-03-16T06:00:00+01:60", "12026-03-16T06:00:00Z", "-2026-03-16T06:00:00Z",
		"2026-03-16T06:00:00.Z", "2026-03-16T06:00:00+0100", "2026-03-16T06:00:00z", "２０２６-03-16T06:00:00Z",
	}
	for _, in := range bad {
		if got, problem := parseDateTime(in); problem == "" {
			t.Errorf("parseDateTime(%q) = %v, want a problem", in, got)
		}
	}
}

func TestParsePriorityTakesWholeDecimals(t *testing.T) {
	for in, want := range map[string]int{"1": 1, "+2": 2, "3.0": 3, "4.": 4, " 5 ": 5, "-1": -1, "0": 0} {
		if got, ok := parsePriority(in); !ok || got != want {
			t.Errorf("parsePriority(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "1.5", "one", "1e2", "99999999999", ".", "0x10"} {
		if got, ok := parsePriority(in); ok {
			t.Errorf("parsePriority(%q) = %d, want a refusal", in, got)
		}
	}
}
