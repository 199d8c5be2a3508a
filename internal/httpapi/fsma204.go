package httpapi

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/inventory"
)

// FSMA204Writers writes the FSMA 204 sortable spreadsheet by format ("csv",
// "xlsx"). The fsma204 adapter provides them; cmd wires them in, because
// adapters do not import each other.
type FSMA204Writers map[string]func(io.Writer, inventory.FSMA204Records) error

var fsmaContentTypes = map[string]string{
	"csv":  "text/csv; charset=utf-8",
	"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

// handleFSMA204 serves the key data elements of a site's receiving,
// transformation and shipping of Food Traceability List foods, for lots or
// a time window, as FDA asks within 24 hours (21 CFR 1.1455(c)(3)(ii)).
func (s *Server) handleFSMA204() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		var p forkline.Problems
		format := q.Get("format")
		if format == "" {
			format = "csv"
		}
		write, ok := s.cfg.FSMA204[format]
		if !ok {
			p.Add("format", "one_of", "format must be csv or xlsx")
		}
		f := inventory.TraceabilityFilter{SiteID: q.Get("site"), LotIDs: q["lot"], From: timeField(&p, "from", q.Get("from")), To: timeField(&p, "to", q.Get("to"))}
		if err := p.Err("The query is not valid."); err != nil {
			s.fail(w, r, err)
			return
		}
		recs, err := s.cfg.Inventory.TraceabilityRecords(r.Context(), f)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		// Written to a buffer first, so that a failure is an error, not a cut-off download.
		var buf bytes.Buffer
		if err := write(&buf, recs); err != nil {
			s.fail(w, r, err)
			return
		}
		w.Header().Set("Content-Type", fsmaContentTypes[format])
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="fsma204-%s.%s"`, s.cfg.Now().UTC().Format(time.DateOnly), format))
		w.Write(buf.Bytes())
	})
}
