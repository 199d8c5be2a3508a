package httpapi

import (
	"github.com/prometheus/client_golang/prometheus"
)

// registerMachineMetrics exports the ingest pipeline's counters: its rate,
// its lag and its errors, read when Prometheus scrapes.
func (s *Server) registerMachineMetrics() {
	if s.cfg.Monitoring == nil || s.cfg.Monitoring.Pipeline() == nil {
		return
	}
	p := s.cfg.Monitoring.Pipeline()
	counter := func(name, help string, f func() int64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, func() float64 { return float64(f()) })
	}
	gauge := func(name, help string, f func() float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, f)
	}
	s.reg.MustRegister(
		counter("forkline_ingest_samples_total", "Machine samples received by the ingest pipeline.", func() int64 { return p.Stats().Samples }),
		counter("forkline_ingest_stored_total", "Machine samples stored: process values, counter and state samples.", func() int64 { return p.Stats().Stored }),
		counter("forkline_ingest_repeats_total", "Counter and state samples at or before their tag's last stored time (redeliveries).", func() int64 { return p.Stats().Repeats }),
		counter("forkline_ingest_unmapped_total", "Samples of addresses no tag mapping takes.", func() int64 { return p.Stats().Unmapped }),
		counter("forkline_ingest_invalid_total", "Samples whose value their tag cannot use.", func() int64 { return p.Stats().Invalid }),
		counter("forkline_ingest_batches_total", "Ingest transactions committed.", func() int64 { return p.Stats().Batches }),
		counter("forkline_ingest_errors_total", "Ingest transactions that failed and were retried.", func() int64 { return p.Stats().Failures }),
		gauge("forkline_ingest_lag_seconds", "Age of the oldest sample of the last committed batch when it committed.", func() float64 { return p.Stats().Lag.Seconds() }),
		gauge("forkline_ingest_queued_requests", "Ingest requests waiting for the next batch.", func() float64 { return float64(p.Stats().Queued) }),
	)
}
