package web

import (
	"context"

	"github.com/forkline/forkline/internal/performance"
)

// Performance is what the live views and the reports need of the
// performance capability: OEE per ISO 22400-2 and the downtime analysis.
// *performance.Service provides it; tests may use a fake.
type Performance interface {
	OEE(ctx context.Context, q PerfQuery) (OEEReport, error)
	Downtime(ctx context.Context, q PerfQuery) (DowntimeReport, error)
}

// The report types are performance's own.
type (
	// PerfQuery asks for the OEE or the downtime of a site, a line or one
	// equipment over a range, grouped by "" (the whole range), "shift",
	// "day" or "order".
	PerfQuery = performance.Query
	// OEEReport is the OEE of each group and of the whole range.
	OEEReport = performance.Report
	// OEERow is the OEE of one shift, day or order.
	OEERow = performance.Row
	// DowntimeReport is the stops of a range and their Pareto.
	DowntimeReport = performance.DowntimeReport
)

var _ Performance = (*performance.Service)(nil)
