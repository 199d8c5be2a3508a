package httpapi

import (
	"context"
	"mime"
	"net/http"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/monitoring"
)

// machineRoutes are the machine-data endpoints; none when the server has no
// monitoring service.
func (s *Server) machineRoutes() []Route {
	if s.cfg.Monitoring == nil {
		return nil
	}
	read, conf := forkline.PermMachineRead, forkline.PermMachineConfigure
	rg := []string{"from", "to"}
	return []Route{
		{Method: "POST", Pattern: "/api/v1/machine/samples", Perm: forkline.PermMachineIngest, Tag: "machine data", Summary: "Send machine samples (up to 50,000); answered once they are stored. Samples no tag mapping takes are counted and dropped; a counter or state sample at or before the last stored one of its tag is a repeat", Request: samplesJSON{}, Response: ingestedJSON{}, Handler: s.handleIngest()},
		{Method: "GET", Pattern: "/api/v1/machine/tags", Perm: read, Tag: "machine data", Summary: "Tag mappings of a site's equipment", Response: []tagJSON{}, Query: []string{"site"}, Handler: siteList(s, s.cfg.Monitoring.Tags, tagToJSON)},
		{Method: "POST", Pattern: "/api/v1/machine/tags", Perm: conf, Tag: "machine data", Summary: "Map a tag address to an equipment as its state, good or reject counter, or a process value", Request: tagJSON{}, Response: tagJSON{}, Status: http.StatusCreated, Handler: s.handleTagSave(false)},
		{Method: "PUT", Pattern: "/api/v1/machine/tags/{id}", Perm: conf, Tag: "machine data", Summary: "Change a tag mapping (send the version you read and a reason)", Request: tagJSON{}, Response: tagJSON{}, Handler: s.handleTagSave(true)},
		{Method: "GET", Pattern: "/api/v1/machine/tags/{id}/trend", Perm: read, Tag: "machine data", Summary: "A process tag's minimum, maximum and mean per minute", Response: trendJSON{}, Query: rg, Handler: s.handleTrend()},
		{Method: "GET", Pattern: "/api/v1/machine/unmapped", Perm: conf, Tag: "machine data", Summary: "Addresses that sent samples no mapping takes, since the server started", Response: []unmappedJSON{}, Handler: s.handleUnmapped()},
		{Method: "GET", Pattern: "/api/v1/machine/states", Perm: read, Tag: "machine data", Summary: "The state every equipment of a site is in now", Response: []intervalJSON{}, Query: []string{"site"}, Handler: s.handleCurrentStates()},
		{Method: "GET", Pattern: "/api/v1/equipment/{id}/states", Perm: read, Tag: "machine data", Summary: "An equipment's state intervals overlapping a time range", Response: []intervalJSON{}, Query: rg, Handler: s.handleIntervals()},
		{Method: "GET", Pattern: "/api/v1/equipment/{id}/counts", Perm: read, Tag: "machine data", Summary: "An equipment's good and rejected units per minute", Response: []countJSON{}, Query: rg, Handler: s.handleCounts()},
		{Method: "GET", Pattern: "/api/v1/equipment/{id}/rates", Perm: read, Tag: "machine data", Summary: "An equipment's planned run time per unit, by item", Response: []rateJSON{}, Handler: s.handleRates()},
		{Method: "PUT", Pattern: "/api/v1/equipment/{id}/rates", Perm: conf, Tag: "machine data", Summary: "Set an equipment's planned run time per unit (for one item, or every item without itemId); 0 removes it", Request: rateJSON{}, Response: []rateJSON{}, Handler: s.handleRateSave()},
		{Method: "GET", Pattern: "/api/v1/downtime-reasons", Perm: read, Tag: "downtime", Summary: "A site's downtime reason tree, parents first", Response: []reasonJSONOut{}, Query: []string{"site"}, Handler: siteList(s, s.cfg.Monitoring.Reasons, reasonToJSON)},
		{Method: "POST", Pattern: "/api/v1/downtime-reasons", Perm: conf, Tag: "downtime", Summary: "Add a downtime reason; planned reasons take the stop out of planned busy time", Request: reasonJSONOut{}, Response: reasonJSONOut{}, Status: http.StatusCreated, Handler: s.handleReasonSave(false)},
		{Method: "PUT", Pattern: "/api/v1/downtime-reasons/{id}", Perm: conf, Tag: "downtime", Summary: "Change a downtime reason (send the version you read)", Request: reasonJSONOut{}, Response: reasonJSONOut{}, Handler: s.handleReasonSave(true)},
		{Method: "POST", Pattern: "/api/v1/stops/{id}/classify", Perm: forkline.PermDowntimeClassify, Tag: "downtime", Summary: "Give a stop (a down, idle or unknown interval) its reason", Request: classifyJSON{}, Response: intervalJSON{}, Handler: s.handleClassify()},
		{Method: "GET", Pattern: "/api/v1/shifts", Perm: read, Tag: "machine data", Summary: "A site's shift calendar", Response: []shiftJSON{}, Query: []string{"site"}, Handler: siteList(s, s.cfg.Monitoring.Shifts, shiftToJSON)},
		{Method: "POST", Pattern: "/api/v1/shifts", Perm: conf, Tag: "machine data", Summary: "Add a shift (local start time, length in hours, weekdays it starts on)", Request: shiftJSON{}, Response: shiftJSON{}, Status: http.StatusCreated, Handler: s.handleShiftSave(false)},
		{Method: "PUT", Pattern: "/api/v1/shifts/{id}", Perm: conf, Tag: "machine data", Summary: "Change a shift (send the version you read)", Request: shiftJSON{}, Response: shiftJSON{}, Handler: s.handleShiftSave(true)},
	}
}

func (s *Server) handleIngest() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); r.Header.Get("Content-Type") != "" && (err != nil || ct != "application/json") {
			s.fail(w, r, &forkline.Error{Code: forkline.Invalid, Msg: "Send the samples as application/json."})
			return
		}
		samples, err := DecodeSamples(r.Body)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if err := s.cfg.Monitoring.Ingest(r.Context(), samples); err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, ingestedJSON{Accepted: len(samples)})
	})
}

func (s *Server) handleTagSave(change bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in tagJSON
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		t := tagFromJSON(in)
		status, err := saveTarget(r, change, &t.ID, &t.Version)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		saved, err := s.cfg.Monitoring.SaveTag(r.Context(), t, in.Reason)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, status, tagToJSON(saved))
	})
}

func (s *Server) handleTrend() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rg, err := rangeQuery(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		t, ms, err := s.cfg.Monitoring.Trend(r.Context(), r.PathValue("id"), rg)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out := trendJSON{Tag: tagToJSON(t), Minutes: make([]minuteJSON, 0, len(ms))}
		for _, m := range ms {
			out.Minutes = append(out.Minutes, minuteJSON{Minute: m.Minute.UTC().Format(time.RFC3339), Min: m.Min, Max: m.Max, Mean: m.Mean, N: m.N})
		}
		encode(w, http.StatusOK, out)
	})
}

func (s *Server) handleUnmapped() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		us, err := s.cfg.Monitoring.Unmapped(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out := make([]unmappedJSON, 0, len(us))
		for _, u := range us {
			out = append(out, unmappedJSON{Address: u.Address, Time: u.Time.UTC().Format(time.RFC3339Nano), Value: u.Value.String(), Count: u.Count})
		}
		encode(w, http.StatusOK, out)
	})
}

func (s *Server) intervals(w http.ResponseWriter, ivs []monitoring.Interval) {
	now := s.cfg.Now()
	out := make([]intervalJSON, 0, len(ivs))
	for _, iv := range ivs {
		out = append(out, intervalToJSON(iv, now))
	}
	encode(w, http.StatusOK, out)
}

func (s *Server) handleCurrentStates() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ivs, err := s.cfg.Monitoring.Current(r.Context(), r.URL.Query().Get("site"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.intervals(w, ivs)
	})
}

func (s *Server) handleIntervals() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rg, err := rangeQuery(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		ivs, err := s.cfg.Monitoring.Intervals(r.Context(), r.PathValue("id"), rg)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.intervals(w, ivs)
	})
}

func (s *Server) handleCounts() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rg, err := rangeQuery(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		cs, err := s.cfg.Monitoring.Counts(r.Context(), r.PathValue("id"), rg)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out := make([]countJSON, 0, len(cs))
		for _, c := range cs {
			out = append(out, countJSON{Minute: c.Minute.UTC().Format(time.RFC3339), Good: c.Good, Reject: c.Reject})
		}
		encode(w, http.StatusOK, out)
	})
}

func (s *Server) writeRates(w http.ResponseWriter, r *http.Request) {
	rs, err := s.cfg.Monitoring.Rates(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]rateJSON, 0, len(rs))
	for _, x := range rs {
		out = append(out, rateToJSON(x))
	}
	encode(w, http.StatusOK, out)
}

func (s *Server) handleRates() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.writeRates(w, r) })
}

func (s *Server) handleRateSave() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in rateJSON
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		per := time.Duration(in.PerUnitSeconds * float64(time.Second)).Round(time.Microsecond)
		err := s.cfg.Monitoring.SaveRate(r.Context(), monitoring.Rate{EquipmentID: r.PathValue("id"), ItemID: in.ItemID, PerUnit: per})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.writeRates(w, r)
	})
}

func (s *Server) handleReasonSave(change bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in reasonJSONOut
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		x := reasonFromJSON(in)
		status, err := saveTarget(r, change, &x.ID, &x.Version)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		saved, err := s.cfg.Monitoring.SaveReason(r.Context(), x)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, status, reasonToJSON(saved))
	})
}

func (s *Server) handleClassify() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in classifyJSON
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		iv, err := s.cfg.Monitoring.Classify(r.Context(), r.PathValue("id"), in.ReasonID, in.Note)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, http.StatusOK, intervalToJSON(iv, s.cfg.Now()))
	})
}

func (s *Server) handleShiftSave(change bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in shiftJSON
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		var p forkline.Problems
		x := shiftFromJSON(&p, in)
		if err := p.Err("The shift is not valid."); err != nil {
			s.fail(w, r, err)
			return
		}
		status, err := saveTarget(r, change, &x.ID, &x.Version)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		saved, err := s.cfg.Monitoring.SaveShift(r.Context(), x)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		encode(w, status, shiftToJSON(saved))
	})
}

// siteList answers GET ?site= with what list returns for the site, each
// record in its wire form.
func siteList[T, W any](s *Server, list func(context.Context, forkline.ID) ([]T, error), wire func(T) W) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		recs, err := list(r.Context(), r.URL.Query().Get("site"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out := make([]W, 0, len(recs))
		for _, rec := range recs {
			out = append(out, wire(rec))
		}
		encode(w, http.StatusOK, out)
	})
}

// saveTarget readies a record for a create (no ID, version 0; answered
// 201) or for a change of the record the path names (the version the
// caller read is required; answered 200).
func saveTarget(r *http.Request, change bool, id *forkline.ID, version *int) (int, error) {
	if !change {
		*id, *version = "", 0
		return http.StatusCreated, nil
	}
	*id = r.PathValue("id")
	if *version < 1 {
		return 0, fieldError(forkline.Invalid, "version", "required", "version is required: send the version you read")
	}
	return http.StatusOK, nil
}
