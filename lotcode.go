package forkline

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// LotCodePattern is how a site makes lot codes (and traceability lot codes
// for the lots it assigns them to), e.g. "{SITE}-{YY}{JJJ}-{SEQ}" gives
// "SPR-26061-004" for the fourth lot of 2 March 2026. Tokens:
//
//	{SITE} site code      {ITEM} item code
//	{YYYY} {YY} year      {MM} month   {DD} day   {JJJ} day of the year (Julian date code)
//	{SEQ}  the day's sequence at the site, at least 3 digits ({SEQ:5} for at least 5)
//
// Dates are the production day in the site's time zone. {SEQ} is required,
// so that codes are unique within a site and day.
type LotCodePattern string

// DefaultLotCodePattern is the pattern of a site that sets none.
const DefaultLotCodePattern LotCodePattern = "{SITE}-{YY}{JJJ}-{SEQ}"

var lotToken = regexp.MustCompile(`\{([A-Z]+)(?::([1-9]))?\}`)

// Validate checks that the pattern uses known tokens and has {SEQ}.
func (p LotCodePattern) Validate() error {
	s := string(p)
	var prob Problems
	if !strings.Contains(s, "{SEQ") {
		prob.Add("lotCodePattern", "sequence", "lotCodePattern must contain {SEQ}, so that codes are unique")
	}
	for _, m := range lotToken.FindAllStringSubmatch(s, -1) {
		switch m[1] {
		case "SITE", "ITEM", "YYYY", "YY", "MM", "DD", "JJJ":
			if m[2] != "" {
				prob.Add("lotCodePattern", "token", fmt.Sprintf("only {SEQ} takes a width, not {%s:%s}", m[1], m[2]))
			}
		case "SEQ":
		default:
			prob.Add("lotCodePattern", "token", fmt.Sprintf("{%s} is not a known token; use SITE, ITEM, YYYY, YY, MM, DD, JJJ, SEQ", m[1]))
		}
	}
	rest := lotToken.ReplaceAllString(s, "")
	if strings.ContainsAny(rest, "{} \t") {
		prob.Add("lotCodePattern", "characters", "lotCodePattern has a brace or space outside a token")
	}
	if len(s) > 60 {
		prob.Add("lotCodePattern", "max_length", "lotCodePattern must be at most 60 characters")
	}
	return prob.Err("The lot code pattern is not valid.")
}

// Expand makes the lot code for the seq-th lot of day at site for item.
func (p LotCodePattern) Expand(site, item string, day time.Time, seq int) string {
	return lotToken.ReplaceAllStringFunc(string(p), func(tok string) string {
		m := lotToken.FindStringSubmatch(tok)
		switch m[1] {
		case "SITE":
			return site
		case "ITEM":
			return item
		case "YYYY":
			return day.Format("2006")
		case "YY":
			return day.Format("06")
		case "MM":
			return day.Format("01")
		case "DD":
			return day.Format("02")
		case "JJJ":
			return fmt.Sprintf("%03d", day.YearDay())
		case "SEQ":
			w := 3
			if m[2] != "" {
				w = int(m[2][0] - '0')
			}
			return fmt.Sprintf("%0*d", w, seq)
		}
		return tok
	})
}

// Scope is the pattern expanded with {SEQ} left as "#": lots whose codes
// share a scope need distinct sequence numbers.
func (p LotCodePattern) Scope(site, item string, day time.Time) string {
	blank := lotToken.ReplaceAllStringFunc(string(p), func(tok string) string {
		if strings.HasPrefix(tok, "{SEQ") {
			return "#"
		}
		return tok
	})
	return LotCodePattern(blank).Expand(site, item, day, 0)
}
