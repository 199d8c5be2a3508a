package gs1

import (
	"fmt"
	"net/url"
	"strings"
)

func isLink(s string) bool {
	l := strings.ToLower(s[:min(len(s), 8)])
	return strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "http://")
}

// qualifierRank returns the place of a key qualifier of the GTIN in a
// Digital Link path, /01/{gtin}/22/{cpv}/10/{lot}/21/{serial}, or 0.
func qualifierRank(ai string) int {
	switch ai {
	case "22":
		return 1
	case "10":
		return 2
	case "21":
		return 3
	}
	return 0
}

// digitalLink reads a GS1 Digital Link URI on any host: the primary key and
// its key qualifiers from the end of the path, attributes from the query.
// A path may start with segments of the host's own (https://example.com/p/01/...).
func (p *parser) digitalLink(s string) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		p.add(scanField, "digital_link", "The link is not a valid web address.")
		return
	}
	path := strings.TrimPrefix(u.EscapedPath(), "/")
	path = strings.TrimSuffix(path, "/")
	segs := strings.Split(path, "/")

	// Walk the path from its end in pairs of AI and value, down to the
	// primary key; what comes before it belongs to the host.
	var keys []Element
	rank, found := 4, false
	for j := len(segs); j >= 2 && !found; j -= 2 {
		ai, raw := segs[j-2], segs[j-1]
		v, err := url.PathUnescape(raw)
		if err != nil {
			p.add(scanField, "digital_link", fmt.Sprintf("The link has a broken %%-escape in %q.", raw))
			return
		}
		switch r := qualifierRank(ai); {
		case ai == "01" || ai == "00":
			if ai == "00" && len(keys) > 0 {
				p.add(field(keys[0].AI), "digital_link", fmt.Sprintf("A Digital Link for an SSCC (00) takes no %s.", title(keys[0].AI)))
				return
			}
			found = true
		case r == 0:
			p.notPathKey(ai)
			return
		case r >= rank:
			p.add(field(ai), "digital_link", "In a Digital Link path, /22/, /10/ and /21/ follow /01/ in that order.")
			return
		default:
			rank = r
		}
		keys = append([]Element{{AI: ai, Value: v}}, keys...)
	}
	if !found {
		p.add(scanField, "digital_link", "The link is not a GS1 Digital Link: its path has no /01/ with a GTIN or /00/ with an SSCC.")
		return
	}
	for _, e := range keys {
		def, _ := lookup(e.AI)
		if e.AI == "01" && isDigits(e.Value) && (len(e.Value) == 8 || len(e.Value) == 12 || len(e.Value) == 13) {
			e.Value = strings.Repeat("0", 14-len(e.Value)) + e.Value // GTIN-8, -12 and -13 as GTIN-14
		}
		p.element(e.AI, def, e.Value)
	}

	for _, kv := range strings.Split(u.RawQuery, "&") {
		k, raw, _ := strings.Cut(kv, "=")
		if k == "" || !isDigits(k) {
			continue // not an AI: utm_source, linkType and the like
		}
		def, ok := lookup(k)
		if !ok {
			p.unknown(k)
			continue
		}
		v, err := url.PathUnescape(raw)
		if err != nil {
			p.add(field(k), "digital_link", fmt.Sprintf("The link has a broken %%-escape in %q.", raw))
			continue
		}
		p.element(k, def, v)
	}
}

// notPathKey reports an AI where the path of a Digital Link needs a key or
// key qualifier.
func (p *parser) notPathKey(ai string) {
	switch _, ok := lookup(ai); {
	case ok:
		p.add(field(ai), "digital_link", fmt.Sprintf("%s (%s) belongs in the query of a Digital Link (?%s=...), not in its path.", title(ai), ai, ai))
	case len(ai) >= 2 && len(ai) <= 4 && isDigits(ai):
		p.unknown(ai)
	default:
		p.add(scanField, "digital_link", "The link is not a GS1 Digital Link: its path has no /01/ with a GTIN or /00/ with an SSCC.")
	}
}
