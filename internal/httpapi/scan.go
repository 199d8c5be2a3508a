package httpapi

import (
	"net/http"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/gs1"
)

type scanInJSON struct {
	SiteID  string `json:"siteId"`
	Barcode string `json:"barcode"` // GS1-128 / DataMatrix element string (FNC1 as GS), parenthesised form, or GS1 Digital Link URI
}

type scanItemJSON struct {
	ID       string `json:"id"`
	Code     string `json:"code"`
	Name     string `json:"name"`
	BaseUnit string `json:"baseUnit"`
}

type scanJSON struct {
	GTIN       string        `json:"gtin,omitempty"`
	Lot        string        `json:"lot,omitempty"`
	Serial     string        `json:"serial,omitempty"`
	SSCC       string        `json:"sscc,omitempty"`
	Expiry     string        `json:"expiry,omitempty"`
	BestBefore string        `json:"bestBefore,omitempty"`
	Production string        `json:"productionDate,omitempty"`
	NetWeight  string        `json:"netWeight,omitempty"`
	Count      int           `json:"count,omitempty"`
	Item       *scanItemJSON `json:"item"` // the site's item with this GTIN, or null
	Normalised string        `json:"normalised"`
}

// handleScan reads a GS1 barcode so that a receiving form can fill itself.
func (s *Server) handleScan() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in scanInJSON
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		d, err := gs1.Parse(in.Barcode, s.cfg.Now())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out := scanJSON{GTIN: d.GTIN, Lot: d.Lot, Serial: d.Serial, SSCC: d.SSCC, Expiry: dateJSON(d.Expiry), BestBefore: dateJSON(d.BestBefore),
			Production: dateJSON(d.Production), Count: d.Count, Normalised: d.String()}
		if d.HasNetWeight {
			out.NetWeight = d.NetWeight.String()
		}
		if d.GTIN != "" {
			it, err := s.cfg.Inventory.ItemByGTIN(r.Context(), in.SiteID, d.GTIN)
			switch forkline.ErrorCode(err) {
			case "":
				out.Item = &scanItemJSON{ID: it.ID, Code: it.Code, Name: it.Name, BaseUnit: string(it.BaseUnit)}
			case forkline.NotFound:
			default:
				s.fail(w, r, err)
				return
			}
		}
		encode(w, http.StatusOK, out)
	})
}
