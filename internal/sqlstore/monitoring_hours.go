package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/monitoring"
	"github.com/forkline/forkline/internal/performance"
)

// The hourly roll-up: what each equipment did in each hour, kept in the
// same transaction as the intervals and counts it sums, so that a year's
// OEE report reads 8,760 rows per equipment instead of 525,600 minutes and
// every interval. An interval is booked when it closes; the one that lasts
// is added by the report. A stop classified with a planned reason moves
// from its state's column to planned.

const hourCols = `equipment_id, hour, running_us, setup_us, down_us, idle_us, unknown_us, planned_us, good, reject`

func newHoursBulk() *bulk {
	return newBulk(`INSERT INTO equipment_hours (`+hourCols+`) VALUES`, 10,
		`ON CONFLICT (equipment_id, hour) DO UPDATE SET
		running_us = equipment_hours.running_us + excluded.running_us, setup_us = equipment_hours.setup_us + excluded.setup_us,
		down_us = equipment_hours.down_us + excluded.down_us, idle_us = equipment_hours.idle_us + excluded.idle_us,
		unknown_us = equipment_hours.unknown_us + excluded.unknown_us, planned_us = equipment_hours.planned_us + excluded.planned_us,
		good = equipment_hours.good + excluded.good, reject = equipment_hours.reject + excluded.reject`)
}

// closedInterval is an interval as the roll-up books it.
type closedInterval struct {
	equipment forkline.ID
	iv        performance.Interval
}

// hourArgs merges the closed intervals and counts of a batch into one row
// per equipment and hour (one statement may not upsert a row twice).
func hourArgs(closed []closedInterval, counts []monitoring.Count, sign int64) []any {
	type key struct {
		eq forkline.ID
		h  int64
	}
	byKey := map[key]*performance.Hour{}
	var order []key
	add := func(h performance.Hour) {
		k := key{h.EquipmentID, h.Start.Unix()}
		x := byKey[k]
		if x == nil {
			x = &performance.Hour{EquipmentID: h.EquipmentID, Start: h.Start}
			byKey[k] = x
			order = append(order, k)
		}
		x.Running += h.Running
		x.Setup += h.Setup
		x.Down += h.Down
		x.Idle += h.Idle
		x.Unknown += h.Unknown
		x.Planned += h.Planned
		x.Good += h.Good
		x.Reject += h.Reject
	}
	for _, c := range closed {
		for _, h := range performance.RollUp(c.equipment, []performance.Interval{c.iv}, nil) {
			add(h)
		}
	}
	byEq := map[forkline.ID][]performance.Count{}
	for _, c := range counts {
		byEq[c.EquipmentID] = append(byEq[c.EquipmentID], performance.Count{Minute: c.Minute, Good: c.Good, Reject: c.Reject})
	}
	for eq, cs := range byEq {
		for _, h := range performance.RollUp(eq, nil, cs) {
			add(h)
		}
	}
	args := make([]any, 0, len(order)*10)
	for _, k := range order {
		h := byKey[k]
		args = append(args, h.EquipmentID, ts(h.Start), sign*h.Running.Microseconds(), sign*h.Setup.Microseconds(), sign*h.Down.Microseconds(),
			sign*h.Idle.Microseconds(), sign*h.Unknown.Microseconds(), sign*h.Planned.Microseconds(), sign*h.Good, sign*h.Reject)
	}
	return args
}

// closedIntervals reads back intervals that this transaction closed, with
// whether their reason is a planned one.
func closedIntervals(ctx context.Context, tx *sql.Tx, ids []forkline.ID) ([]closedInterval, error) {
	var out []closedInterval
	for len(ids) > 0 {
		n := min(len(ids), 90)
		marks := make([]string, n)
		args := make([]any, n)
		for i := range n {
			marks[i] = fmt.Sprintf("$%d", i+1)
			args[i] = ids[i]
		}
		err := scanRows(ctx, tx, `SELECT i.equipment_id, i.state, i.started_at, i.ended_at, COALESCE(r.planned, FALSE)
			FROM equipment_intervals i LEFT JOIN downtime_reasons r ON r.id = i.reason_id
			WHERE i.ended_at IS NOT NULL AND i.id IN (`+strings.Join(marks, ", ")+`)`, args, func(r *sql.Rows) error {
			var c closedInterval
			if err := r.Scan(&c.equipment, &c.iv.State, scanTime{&c.iv.Start}, scanTime{&c.iv.End}, &c.iv.Planned); err != nil {
				return err
			}
			out = append(out, c)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("closed intervals: %w", err)
		}
		ids = ids[n:]
	}
	return out, nil
}

// Hours returns an equipment's hourly roll-up in r, by hour.
func (s *MonitoringStore) Hours(ctx context.Context, equipment forkline.ID, r monitoring.Range) ([]performance.Hour, error) {
	from, to := rangeBounds(r)
	var out []performance.Hour
	err := scanRows(ctx, s.db.read, `SELECT `+hourCols+` FROM equipment_hours WHERE equipment_id = $1 AND hour >= $2 AND hour < $3 ORDER BY hour`,
		[]any{equipment, ts(from), ts(to)}, func(rows *sql.Rows) error {
			var h performance.Hour
			var run, setup, down, idle, unknown, planned int64
			if err := rows.Scan(&h.EquipmentID, scanTime{&h.Start}, &run, &setup, &down, &idle, &unknown, &planned, &h.Good, &h.Reject); err != nil {
				return err
			}
			h.Running, h.Setup, h.Down = time.Duration(run)*time.Microsecond, time.Duration(setup)*time.Microsecond, time.Duration(down)*time.Microsecond
			h.Idle, h.Unknown, h.Planned = time.Duration(idle)*time.Microsecond, time.Duration(unknown)*time.Microsecond, time.Duration(planned)*time.Microsecond
			out = append(out, h)
			return nil
		})
	return out, s.db.mapErr(err)
}
