package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/audit"
	"github.com/forkline/forkline/internal/monitoring"
)

// MonitoringStore keeps machine data: tag mappings, the pipeline's
// watermarks, state intervals, counts per minute, raw and downsampled
// process values, downtime reasons, shifts and rates. It implements
// monitoring.Store and monitoring.ConfigStore.
//
// It remembers the multi-row statements of Write, so keep one store rather
// than calling DB.Monitoring for every batch.
type MonitoringStore struct {
	db *DB
	// The hot path's multi-row statements.
	opens, counts, values, watermarks, minutes, hours *bulk
}

var (
	_ monitoring.Store       = (*MonitoringStore)(nil)
	_ monitoring.ConfigStore = (*MonitoringStore)(nil)
)

// Monitoring returns the store of machine data and of the settings OEE
// reports need.
func (db *DB) Monitoring() *MonitoringStore {
	return &MonitoringStore{db: db,
		opens: newBulk(`INSERT INTO equipment_intervals (id, equipment_id, state, started_at, ended_at) VALUES`, 5, ``),
		counts: newBulk(`INSERT INTO equipment_counts (equipment_id, minute, good, reject) VALUES`, 4,
			`ON CONFLICT (equipment_id, minute) DO UPDATE SET good = equipment_counts.good + excluded.good, reject = equipment_counts.reject + excluded.reject`),
		values: newBulk(`INSERT INTO process_values (tag_id, ts, value) VALUES`, 3, `ON CONFLICT (tag_id, ts) DO NOTHING`),
		hours:  newHoursBulk(),
		watermarks: newBulk(`INSERT INTO machine_watermarks (tag_id, ts, value) VALUES`, 3,
			`ON CONFLICT (tag_id) DO UPDATE SET ts = excluded.ts, value = excluded.value`),
		// A minute downsampled again (a late value) merges with the stored one.
		minutes: newBulk(`INSERT INTO process_minutes (tag_id, minute, min, max, mean, n) VALUES`, 6,
			`ON CONFLICT (tag_id, minute) DO UPDATE SET
			min = CASE WHEN excluded.min < process_minutes.min THEN excluded.min ELSE process_minutes.min END,
			max = CASE WHEN excluded.max > process_minutes.max THEN excluded.max ELSE process_minutes.max END,
			mean = (process_minutes.mean * process_minutes.n + excluded.mean * excluded.n) / (process_minutes.n + excluded.n),
			n = process_minutes.n + excluded.n`),
	}
}

// bulk is a multi-row INSERT: head, rows of cols placeholders, then tail.
// A long list of rows is written in statements of about paramsPerInsert
// parameters each. SQLite binds "$n" parameters by name, in time that grows
// with their count squared: short statements are faster there (about 100
// parameters measured best; PostgreSQL would take longer ones, but gains
// less). Each statement is prepared once per number of rows and connection
// and reused, since parsing took a fifth of the time.
type bulk struct {
	head, tail string
	cols, rows int
	mu         sync.Mutex
	stmts      map[int]*sql.Stmt // by number of rows
}

// paramsPerInsert is about how many parameters one multi-row statement has.
const paramsPerInsert = 96

func newBulk(head string, cols int, tail string) *bulk {
	return &bulk{head: head, tail: tail, cols: cols, rows: max(1, paramsPerInsert/cols), stmts: map[int]*sql.Stmt{}}
}

func (b *bulk) sql(rows int) string {
	var s strings.Builder
	s.Grow(len(b.head) + len(b.tail) + rows*b.cols*6)
	s.WriteString(b.head)
	p := 1
	for r := range rows {
		if r > 0 {
			s.WriteByte(',')
		}
		s.WriteString(" (")
		for c := range b.cols {
			if c > 0 {
				s.WriteString(", ")
			}
			s.WriteByte('$')
			s.WriteString(strconv.Itoa(p))
			p++
		}
		s.WriteByte(')')
	}
	if b.tail != "" {
		s.WriteByte(' ')
		s.WriteString(b.tail)
	}
	return s.String()
}

// prepare readies, on db, the statements that writing n rows takes. Call
// it before the transaction: on SQLite that holds the one write connection.
func (b *bulk) prepare(ctx context.Context, db *sql.DB, n int) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, rows := range []int{min(n, b.rows), n % b.rows} {
		if _, ok := b.stmts[rows]; ok || rows == 0 {
			continue
		}
		st, err := db.PrepareContext(ctx, b.sql(rows))
		if err != nil {
			return err
		}
		b.stmts[rows] = st
	}
	return nil
}

// exec writes args, cols values a row, in as few statements as it may,
// prepared ones where it can.
func (b *bulk) exec(ctx context.Context, tx *sql.Tx, args []any) error {
	for len(args) > 0 {
		n := min(len(args)/b.cols, b.rows)
		b.mu.Lock()
		st := b.stmts[n]
		b.mu.Unlock()
		var err error
		if st != nil {
			_, err = tx.StmtContext(ctx, st).ExecContext(ctx, args[:n*b.cols]...)
		} else {
			_, err = tx.ExecContext(ctx, b.sql(n), args[:n*b.cols]...)
		}
		if err != nil {
			return err
		}
		args = args[n*b.cols:]
	}
	return nil
}

// Minute truncation and the range bounds are done in Go, so that the SQL
// stays the same on both engines.

// truncMinute returns t in UTC, truncated to the minute.
func truncMinute(t time.Time) time.Time { return t.UTC().Truncate(time.Minute) }

// ceilMinute returns the first whole minute at or after t.
func ceilMinute(t time.Time) time.Time {
	m := truncMinute(t)
	if m.Before(t) {
		m = m.Add(time.Minute)
	}
	return m
}

// Open ends of a range: a zero From is the beginning of time, a zero To its
// end. Whole minutes, and not the zero time, which ts writes as NULL.
var (
	timeFirst = time.Date(1, 1, 1, 0, 1, 0, 0, time.UTC)
	timeLast  = time.Date(9999, 12, 31, 23, 59, 0, 0, time.UTC)
)

func rangeBounds(r monitoring.Range) (from, to time.Time) {
	from, to = r.From, r.To
	if from.IsZero() {
		from = timeFirst
	}
	if to.IsZero() {
		to = timeLast
	}
	return from, to
}

// fieldError is an error of code about one input field.
func fieldError(code forkline.Code, field, rule, msg string, cause error) error {
	return &forkline.Error{Code: code, Msg: msg, Fields: []forkline.FieldProblem{{Field: field, Rule: rule, Msg: msg}}, Err: cause}
}

// isDuplicate reports whether err is a unique constraint's violation.
func (s *MonitoringStore) isDuplicate(err error) bool {
	return errors.Is(s.db.mapErr(err), forkline.ErrDuplicate)
}

// now is now as stored: UTC, to the microsecond.
func (s *MonitoringStore) now() time.Time { return s.db.now().UTC().Truncate(time.Microsecond) }

// equipmentSite returns the site of an equipment; Invalid naming field when
// there is no such equipment.
func equipmentSite(ctx context.Context, q queryer, id forkline.ID, field string) (forkline.ID, error) {
	var site forkline.ID
	err := q.QueryRowContext(ctx, `SELECT site_id FROM equipment WHERE id = $1`, id).Scan(&site)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fieldError(forkline.Invalid, field, "exists", fmt.Sprintf("%s names no equipment.", field), err)
	}
	return site, err
}

// ---- Tags ----

const tagCols = `id, site_id, equipment_id, address, role, unit, state_map, counter_max, active, version, created_at, updated_at`

func scanTag(r interface{ Scan(...any) error }) (monitoring.Tag, error) {
	var t monitoring.Tag
	var stateMap string
	if err := r.Scan(&t.ID, &t.SiteID, &t.EquipmentID, &t.Address, &t.Role, &t.Unit, &stateMap, &t.CounterMax, &t.Active, &t.Version,
		scanTime{&t.CreatedAt}, scanTime{&t.UpdatedAt}); err != nil {
		return t, err
	}
	if err := json.Unmarshal([]byte(stateMap), &t.StateMap); err != nil {
		return t, fmt.Errorf("tag %s state map: %w", t.ID, err)
	}
	if len(t.StateMap) == 0 {
		t.StateMap = nil
	}
	return t, nil
}

func (s *MonitoringStore) tags(ctx context.Context, where string, args ...any) ([]monitoring.Tag, error) {
	var out []monitoring.Tag
	err := scanRows(ctx, s.db.read, `SELECT `+tagCols+` FROM machine_tags WHERE `+where+` ORDER BY address`, args, func(r *sql.Rows) error {
		t, err := scanTag(r)
		out = append(out, t)
		return err
	})
	return out, s.db.mapErr(err)
}

// Tags returns every active mapping, by address.
func (s *MonitoringStore) Tags(ctx context.Context) ([]monitoring.Tag, error) {
	return s.tags(ctx, `active = TRUE`)
}

// TagsOf returns the mappings of a site's equipment, active or not, by address.
func (s *MonitoringStore) TagsOf(ctx context.Context, site forkline.ID) ([]monitoring.Tag, error) {
	return s.tags(ctx, `site_id = $1`, site)
}

// Tag returns one mapping; NotFound when there is none.
func (s *MonitoringStore) Tag(ctx context.Context, id forkline.ID) (monitoring.Tag, error) {
	t, err := scanTag(s.db.read.QueryRowContext(ctx, `SELECT `+tagCols+` FROM machine_tags WHERE id = $1`, id))
	return t, s.db.mapErr(err)
}

// SaveTag creates a mapping (Version 0) or changes one (Version as read),
// with its audit entry. The tag's site is its equipment's. Errors: Invalid
// when the mapping is not valid or its equipment does not exist; NotFound
// when the tag to change does not exist; Conflict when the address is mapped
// already or the version is stale.
func (s *MonitoringStore) SaveTag(ctx context.Context, t monitoring.Tag, reason string) (monitoring.Tag, error) {
	if err := t.Validate(); err != nil {
		return t, err
	}
	stateMap := []byte("{}")
	if len(t.StateMap) > 0 {
		var err error
		if stateMap, err = json.Marshal(t.StateMap); err != nil {
			return t, fmt.Errorf("tag state map: %w", err)
		}
	} else {
		t.StateMap = nil
	}
	err := s.db.tx(ctx, func(tx *sql.Tx) error {
		site, err := equipmentSite(ctx, tx, t.EquipmentID, "equipmentId")
		if err != nil {
			return err
		}
		if t.SiteID != "" && t.SiteID != site {
			return fieldError(forkline.Invalid, "equipmentId", "site", "equipmentId names equipment of another site.", nil)
		}
		t.SiteID = site
		ch := audit.Change{Action: audit.Create, Entity: "machine_tag", SiteID: site, Reason: reason}
		if t.Version == 0 {
			err = s.insertTag(ctx, tx, &t, stateMap)
		} else {
			err = s.updateTag(ctx, tx, &t, stateMap, &ch)
		}
		if s.isDuplicate(err) {
			return fieldError(forkline.Conflict, "address", "unique", fmt.Sprintf("The address %s is mapped already.", t.Address), err)
		} else if err != nil {
			return err
		}
		ch.EntityID, ch.After = t.ID, t
		return s.db.appendAudit(ctx, tx, ch)
	})
	return t, err
}

func (s *MonitoringStore) insertTag(ctx context.Context, tx *sql.Tx, t *monitoring.Tag, stateMap []byte) error {
	if t.ID == "" {
		t.ID = s.db.ids.New()
	}
	now := s.now()
	t.Version, t.CreatedAt, t.UpdatedAt = 1, now, now
	_, err := tx.ExecContext(ctx, `INSERT INTO machine_tags (`+tagCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		t.ID, t.SiteID, t.EquipmentID, t.Address, t.Role, t.Unit, string(stateMap), t.CounterMax, t.Active, t.Version, ts(now), ts(now))
	return err
}

// updateTag changes a tag guarded by its version and sets ch's action and before.
func (s *MonitoringStore) updateTag(ctx context.Context, tx *sql.Tx, t *monitoring.Tag, stateMap []byte, ch *audit.Change) error {
	old, err := scanTag(tx.QueryRowContext(ctx, `SELECT `+tagCols+` FROM machine_tags WHERE id = $1`, t.ID))
	if err != nil {
		return err // sql.ErrNoRows: not found
	}
	if old.Version != t.Version {
		return forkline.ErrStaleVersion
	}
	ch.Action, ch.Before = activeAction(old.Active, t.Active), old
	now := s.now()
	res, err := tx.ExecContext(ctx, `UPDATE machine_tags SET site_id = $1, equipment_id = $2, address = $3, role = $4, unit = $5,
		state_map = $6, counter_max = $7, active = $8, version = version + 1, updated_at = $9 WHERE id = $10 AND version = $11`,
		t.SiteID, t.EquipmentID, t.Address, t.Role, t.Unit, string(stateMap), t.CounterMax, t.Active, ts(now), t.ID, t.Version)
	if err != nil {
		return err
	}
	t.Version, t.CreatedAt, t.UpdatedAt = t.Version+1, old.CreatedAt, now
	if err := oneRow(res, forkline.ErrStaleVersion); err != nil {
		return err
	}
	if old.Address == t.Address && old.Role == t.Role && old.EquipmentID == t.EquipmentID {
		return nil
	}
	// Another signal now: its first reading sets a new baseline, rather than
	// counting from the old one.
	if _, err := tx.ExecContext(ctx, `DELETE FROM machine_watermarks WHERE tag_id = $1`, t.ID); err != nil {
		return fmt.Errorf("forget the watermark: %w", err)
	}
	if old.Role == monitoring.RoleState && old.EquipmentID != t.EquipmentID {
		// The equipment lost its state signal: what it does now is not known,
		// so its interval ends here (and is booked into its hours).
		var id forkline.ID
		err := tx.QueryRowContext(ctx, `SELECT id FROM equipment_intervals WHERE equipment_id = $1 AND ended_at IS NULL`, old.EquipmentID).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		} else if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE equipment_intervals SET ended_at = $1 WHERE id = $2 AND started_at < $1`, ts(now), id); err != nil {
			return fmt.Errorf("end the interval: %w", err)
		}
		ivs, err := closedIntervals(ctx, tx, []forkline.ID{id})
		if err != nil {
			return err
		}
		if err := s.hours.exec(ctx, tx, hourArgs(ivs, nil, 1)); err != nil {
			return fmt.Errorf("roll up hours: %w", err)
		}
	}
	return nil
}

// activeAction is the audit action of a change: disable or enable when the
// record's active flag changed, else update.
func activeAction(was, is bool) audit.Action {
	switch {
	case was && !is:
		return audit.Disable
	case !was && is:
		return audit.Enable
	}
	return audit.Update
}

// oneRow returns refused when a guarded statement changed no row.
func oneRow(res sql.Result, refused error) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return refused
	}
	return nil
}

// ---- The pipeline ----

// Watermarks returns the stored watermark of every tag that has one.
func (s *MonitoringStore) Watermarks(ctx context.Context) ([]monitoring.Watermark, error) {
	var out []monitoring.Watermark
	err := scanRows(ctx, s.db.read, `SELECT tag_id, ts, value FROM machine_watermarks ORDER BY tag_id`, nil, func(r *sql.Rows) error {
		var w monitoring.Watermark
		err := r.Scan(&w.TagID, scanTime{&w.Time}, &w.Value)
		out = append(out, w)
		return err
	})
	return out, s.db.mapErr(err)
}

const intervalCols = `id, equipment_id, state, started_at, ended_at, COALESCE(reason_id, ''), reason_note, classified_by`

func scanInterval(r interface{ Scan(...any) error }) (monitoring.Interval, error) {
	var iv monitoring.Interval
	err := r.Scan(&iv.ID, &iv.EquipmentID, &iv.State, scanTime{&iv.Start}, scanTime{&iv.End}, &iv.ReasonID, &iv.ReasonNote, &iv.ClassifiedBy)
	return iv, err
}

func (s *MonitoringStore) intervals(ctx context.Context, q string, args ...any) ([]monitoring.Interval, error) {
	var out []monitoring.Interval
	err := scanRows(ctx, s.db.read, q, args, func(r *sql.Rows) error {
		iv, err := scanInterval(r)
		out = append(out, iv)
		return err
	})
	return out, s.db.mapErr(err)
}

// Interval returns one interval; NotFound when there is none.
func (s *MonitoringStore) Interval(ctx context.Context, id forkline.ID) (monitoring.Interval, error) {
	iv, err := scanInterval(s.db.read.QueryRowContext(ctx, `SELECT `+intervalCols+` FROM equipment_intervals WHERE id = $1`, id))
	return iv, s.db.mapErr(err)
}

// OpenIntervals returns the interval that lasts of every equipment, by equipment.
func (s *MonitoringStore) OpenIntervals(ctx context.Context) ([]monitoring.Interval, error) {
	return s.intervals(ctx, `SELECT `+intervalCols+` FROM equipment_intervals WHERE ended_at IS NULL ORDER BY equipment_id`)
}

// Write books a batch in one transaction: it ends the intervals to close
// (one that has ended already keeps its end), starts the opened ones (an
// opened interval without an ID gets one, written into b.Open), adds the
// counts to their minutes, stores the process values (a repeated tag and
// time is ignored) and replaces the watermarks. Times are kept to the
// microsecond. Machine samples are not GMP records and write no audit entry:
// the audit trail records people's changes, and an entry per sample would
// swamp it and serialise ingest on the chain's head.
//
// Errors: Conflict when an equipment would have two intervals that last or
// an opened interval's ID exists; Invalid when a process value is not a
// finite number or an interval or count names an unknown equipment.
func (s *MonitoringStore) Write(ctx context.Context, b monitoring.Batch) error {
	if b.Empty() {
		return nil
	}
	for i, v := range b.Values {
		if math.IsNaN(v.Value) || math.IsInf(v.Value, 0) {
			return fieldError(forkline.Invalid, fmt.Sprintf("values[%d].value", i), "finite", "A process value must be a finite number.", nil)
		}
	}
	for i := range b.Open {
		if b.Open[i].ID == "" {
			b.Open[i].ID = s.db.ids.New()
		}
	}
	counts, marks := countArgs(b.Counts), watermarkArgs(b.Watermarks)
	for _, p := range []struct {
		b *bulk
		n int
	}{{s.opens, len(b.Open)}, {s.counts, len(counts) / s.counts.cols}, {s.values, len(b.Values)}, {s.watermarks, len(marks) / s.watermarks.cols}} {
		if err := p.b.prepare(ctx, s.db.write, p.n); err != nil {
			return s.db.mapErr(fmt.Errorf("prepare: %w", err))
		}
	}
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		var closed []forkline.ID // closed now: booked into the hours below
		for _, iv := range b.Close {
			res, err := tx.ExecContext(ctx, `UPDATE equipment_intervals SET ended_at = $1 WHERE id = $2 AND ended_at IS NULL`, ts(iv.End), iv.ID)
			if err != nil {
				return fmt.Errorf("close interval: %w", err)
			}
			if n, err := res.RowsAffected(); err == nil && n == 1 {
				closed = append(closed, iv.ID)
			}
		}
		for _, iv := range b.Open {
			if !iv.End.IsZero() {
				closed = append(closed, iv.ID)
			}
		}
		if len(b.Open) > 0 {
			args := make([]any, 0, len(b.Open)*s.opens.cols)
			for _, iv := range b.Open {
				args = append(args, iv.ID, iv.EquipmentID, string(iv.State), ts(iv.Start), ts(iv.End))
			}
			if err := s.opens.exec(ctx, tx, args); s.isDuplicate(err) {
				return &forkline.Error{Code: forkline.Conflict, Err: err,
					Msg: "An equipment would have two intervals that last, or an interval exists already: reload the open intervals."}
			} else if err != nil {
				return fmt.Errorf("open intervals: %w", err)
			}
		}
		if len(counts) > 0 {
			if err := s.counts.exec(ctx, tx, counts); err != nil {
				return fmt.Errorf("add counts: %w", err)
			}
		}
		if len(b.Values) > 0 {
			args := make([]any, 0, len(b.Values)*s.values.cols)
			for _, v := range b.Values {
				args = append(args, v.TagID, v.Time.UTC().Format(TimeFormat), v.Value)
			}
			if err := s.values.exec(ctx, tx, args); err != nil {
				return fmt.Errorf("store process values: %w", err)
			}
		}
		if len(marks) > 0 {
			if err := s.watermarks.exec(ctx, tx, marks); err != nil {
				return fmt.Errorf("store watermarks: %w", err)
			}
		}
		if len(closed) > 0 || len(b.Counts) > 0 {
			ivs, err := closedIntervals(ctx, tx, closed)
			if err != nil {
				return err
			}
			if err := s.hours.exec(ctx, tx, hourArgs(ivs, b.Counts, 1)); err != nil {
				return fmt.Errorf("roll up hours: %w", err)
			}
		}
		return nil
	})
}

// countArgs sums the counts of each equipment and minute first: one
// statement may not upsert a row twice on PostgreSQL.
func countArgs(cs []monitoring.Count) []any {
	type key struct {
		eq forkline.ID
		m  int64
	}
	idx := make(map[key]int, len(cs))
	sum := make([]monitoring.Count, 0, len(cs))
	for _, c := range cs {
		c.Minute = truncMinute(c.Minute)
		k := key{c.EquipmentID, c.Minute.Unix()}
		if i, ok := idx[k]; ok {
			sum[i].Good += c.Good
			sum[i].Reject += c.Reject
			continue
		}
		idx[k] = len(sum)
		sum = append(sum, c)
	}
	args := make([]any, 0, len(sum)*4)
	for _, c := range sum {
		args = append(args, c.EquipmentID, ts(c.Minute), c.Good, c.Reject)
	}
	return args
}

// watermarkArgs keeps the last watermark of each tag.
func watermarkArgs(ws []monitoring.Watermark) []any {
	idx := make(map[forkline.ID]int, len(ws))
	last := make([]monitoring.Watermark, 0, len(ws))
	for _, w := range ws {
		if i, ok := idx[w.TagID]; ok {
			last[i] = w
			continue
		}
		idx[w.TagID] = len(last)
		last = append(last, w)
	}
	args := make([]any, 0, len(last)*3)
	for _, w := range last {
		args = append(args, w.TagID, ts(w.Time), w.Value)
	}
	return args
}

// ---- Reading machine data ----

// idsIn returns "col IN ($from, ...)" and the IDs as arguments.
func idsIn(col string, from int, ids []forkline.ID) (string, []any) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return col + " IN (" + placeholders(from, len(ids)) + ")", args
}

// Intervals returns the intervals of the equipment that overlap r (a zero
// bound is open), by start.
func (s *MonitoringStore) Intervals(ctx context.Context, equipment []forkline.ID, r monitoring.Range) ([]monitoring.Interval, error) {
	if len(equipment) == 0 {
		return nil, nil
	}
	from, to := rangeBounds(r)
	cond, args := idsIn("equipment_id", 3, equipment)
	return s.intervals(ctx, `SELECT `+intervalCols+` FROM equipment_intervals
		WHERE `+cond+` AND started_at < $1 AND (ended_at IS NULL OR ended_at > $2) ORDER BY started_at, equipment_id, id`,
		append([]any{ts(to), ts(from)}, args...)...)
}

// Counts returns the minutes of the equipment that start in r, by minute
// then equipment.
func (s *MonitoringStore) Counts(ctx context.Context, equipment []forkline.ID, r monitoring.Range) ([]monitoring.Count, error) {
	if len(equipment) == 0 {
		return nil, nil
	}
	from, to := rangeBounds(r)
	cond, args := idsIn("equipment_id", 3, equipment)
	var out []monitoring.Count
	err := scanRows(ctx, s.db.read, `SELECT equipment_id, minute, good, reject FROM equipment_counts
		WHERE `+cond+` AND minute >= $1 AND minute < $2 ORDER BY minute, equipment_id`, append([]any{ts(from), ts(to)}, args...),
		func(r *sql.Rows) error {
			var c monitoring.Count
			err := r.Scan(&c.EquipmentID, scanTime{&c.Minute}, &c.Good, &c.Reject)
			out = append(out, c)
			return err
		})
	return out, s.db.mapErr(err)
}

// Values returns the raw values of a tag in r, by time, at most limit (at least one).
func (s *MonitoringStore) Values(ctx context.Context, tag forkline.ID, r monitoring.Range, limit int) ([]monitoring.ProcessValue, error) {
	from, to := rangeBounds(r)
	var out []monitoring.ProcessValue
	err := scanRows(ctx, s.db.read, fmt.Sprintf(`SELECT ts, value FROM process_values WHERE tag_id = $1 AND ts >= $2 AND ts < $3 ORDER BY ts LIMIT %d`, max(1, limit)),
		[]any{tag, ts(from), ts(to)}, func(r *sql.Rows) error {
			v := monitoring.ProcessValue{TagID: tag}
			err := r.Scan(scanTime{&v.Time}, &v.Value)
			out = append(out, v)
			return err
		})
	return out, s.db.mapErr(err)
}

// minuteAgg adds up the values of one minute.
type minuteAgg struct {
	m   monitoring.ProcessMinute
	sum float64
}

// add takes n values with their least, greatest and mean.
func (a *minuteAgg) add(lo, hi, mean float64, n int64) {
	if a.m.N == 0 || lo < a.m.Min {
		a.m.Min = lo
	}
	if a.m.N == 0 || hi > a.m.Max {
		a.m.Max = hi
	}
	a.sum += mean * float64(n)
	a.m.N += n
}

// result returns the minute with its mean.
func (a *minuteAgg) result() monitoring.ProcessMinute {
	m := a.m
	m.Mean = a.sum / float64(m.N)
	return m
}

// Minutes returns a tag's minutes that start in r (a zero bound is open), by
// minute: the downsampled ones merged with the raw values of minutes not yet
// downsampled. One statement reads both, so that a Downsample meanwhile
// neither hides nor doubles a value.
func (s *MonitoringStore) Minutes(ctx context.Context, tag forkline.ID, r monitoring.Range) ([]monitoring.ProcessMinute, error) {
	from, to := rangeBounds(r)
	from, to = ceilMinute(from), ceilMinute(to)
	var out []monitoring.ProcessMinute
	var cur minuteAgg
	err := scanRows(ctx, s.db.read, `SELECT minute, min, max, mean, n FROM process_minutes WHERE tag_id = $1 AND minute >= $2 AND minute < $3
		UNION ALL SELECT ts, value, value, value, 1 FROM process_values WHERE tag_id = $1 AND ts >= $2 AND ts < $3
		ORDER BY 1`, []any{tag, ts(from), ts(to)}, func(r *sql.Rows) error {
		var t time.Time
		var lo, hi, mean float64
		var n int64
		if err := r.Scan(scanTime{&t}, &lo, &hi, &mean, &n); err != nil {
			return err
		}
		if m := truncMinute(t); cur.m.N == 0 || !m.Equal(cur.m.Minute) {
			if cur.m.N > 0 {
				out = append(out, cur.result())
			}
			cur = minuteAgg{m: monitoring.ProcessMinute{TagID: tag, Minute: m}}
		}
		cur.add(lo, hi, mean, n)
		return nil
	})
	if err != nil {
		return nil, s.db.mapErr(err)
	}
	if cur.m.N > 0 {
		out = append(out, cur.result())
	}
	return out, nil
}

// Downsample turns the raw values of whole minutes before before into
// minutes (merged with a minute stored already) and deletes them, in one
// transaction, tag by tag along the raw values' primary key; it returns how
// many raw values it removed. Run it often: it holds the write lock while
// it works.
func (s *MonitoringStore) Downsample(ctx context.Context, before time.Time) (int64, error) {
	cutoff := ts(truncMinute(before))
	var removed int64
	err := s.db.tx(ctx, func(tx *sql.Tx) error {
		removed = 0
		last := ""
		for {
			var tag forkline.ID
			err := tx.QueryRowContext(ctx, `SELECT tag_id FROM process_values WHERE tag_id > $1 ORDER BY tag_id LIMIT 1`, last).Scan(&tag)
			if errors.Is(err, sql.ErrNoRows) {
				return nil
			} else if err != nil {
				return fmt.Errorf("downsample: next tag: %w", err)
			}
			last = tag
			var mins []monitoring.ProcessMinute
			var cur minuteAgg
			err = scanRows(ctx, tx, `SELECT ts, value FROM process_values WHERE tag_id = $1 AND ts < $2 ORDER BY ts`, []any{tag, cutoff}, func(r *sql.Rows) error {
				var t time.Time
				var v float64
				if err := r.Scan(scanTime{&t}, &v); err != nil {
					return err
				}
				if m := truncMinute(t); cur.m.N == 0 || !m.Equal(cur.m.Minute) {
					if cur.m.N > 0 {
						mins = append(mins, cur.result())
					}
					cur = minuteAgg{m: monitoring.ProcessMinute{TagID: tag, Minute: m}}
				}
				cur.add(v, v, v, 1)
				return nil
			})
			if err != nil {
				return fmt.Errorf("downsample tag %s: %w", tag, err)
			}
			if cur.m.N == 0 {
				continue
			}
			mins = append(mins, cur.result())
			args := make([]any, 0, len(mins)*6)
			for _, m := range mins {
				args = append(args, m.TagID, ts(m.Minute), m.Min, m.Max, m.Mean, m.N)
			}
			if err := s.minutes.exec(ctx, tx, args); err != nil {
				return fmt.Errorf("downsample tag %s: %w", tag, err)
			}
			res, err := tx.ExecContext(ctx, `DELETE FROM process_values WHERE tag_id = $1 AND ts < $2`, tag, cutoff)
			if err != nil {
				return fmt.Errorf("downsample tag %s: %w", tag, err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			removed += n
		}
	})
	if err != nil {
		return 0, err
	}
	return removed, nil
}

// ---- Downtime reasons ----

const reasonCols = `id, site_id, COALESCE(parent_id, ''), code, name, planned, active, version`

func scanReason(r interface{ Scan(...any) error }) (monitoring.Reason, error) {
	var x monitoring.Reason
	err := r.Scan(&x.ID, &x.SiteID, &x.ParentID, &x.Code, &x.Name, &x.Planned, &x.Active, &x.Version)
	return x, err
}

// Reasons returns a site's downtime reasons, active or not, by code.
func (s *MonitoringStore) Reasons(ctx context.Context, site forkline.ID) ([]monitoring.Reason, error) {
	var out []monitoring.Reason
	err := scanRows(ctx, s.db.read, `SELECT `+reasonCols+` FROM downtime_reasons WHERE site_id = $1 ORDER BY code`, []any{site}, func(r *sql.Rows) error {
		x, err := scanReason(r)
		out = append(out, x)
		return err
	})
	return out, s.db.mapErr(err)
}

// SaveReason creates a reason (Version 0) or changes one (Version as read),
// with its audit entry. Errors: Invalid when the reason is not valid, its
// parent is not a reason of the same site or would make a loop, or a change
// moves it to another site; NotFound when the reason to change does not
// exist; Conflict when the site has the code already or the version is stale.
func (s *MonitoringStore) SaveReason(ctx context.Context, r monitoring.Reason) (monitoring.Reason, error) {
	if err := r.Validate(); err != nil {
		return r, err
	}
	err := s.db.tx(ctx, func(tx *sql.Tx) error {
		if r.ParentID != "" {
			if err := checkParent(ctx, tx, r); err != nil {
				return err
			}
		}
		ch := audit.Change{Action: audit.Create, Entity: "downtime_reason", SiteID: r.SiteID}
		var err error
		if r.Version == 0 {
			err = s.insertReason(ctx, tx, &r)
		} else {
			err = s.updateReason(ctx, tx, &r, &ch)
		}
		if s.isDuplicate(err) {
			return fieldError(forkline.Conflict, "code", "unique", fmt.Sprintf("The site has a downtime reason %s already.", r.Code), err)
		} else if err != nil {
			return err
		}
		ch.EntityID, ch.After = r.ID, r
		return s.db.appendAudit(ctx, tx, ch)
	})
	return r, err
}

func (s *MonitoringStore) insertReason(ctx context.Context, tx *sql.Tx, r *monitoring.Reason) error {
	if r.ID == "" {
		r.ID = s.db.ids.New()
	}
	r.Version = 1
	now := ts(s.now())
	_, err := tx.ExecContext(ctx, `INSERT INTO downtime_reasons (id, site_id, parent_id, code, name, planned, active, version, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		r.ID, r.SiteID, nullIfEmpty(r.ParentID), r.Code, r.Name, r.Planned, r.Active, r.Version, now, now)
	if err != nil && forkline.ErrorCode(s.db.mapErr(err)) == forkline.Invalid {
		return fieldError(forkline.Invalid, "siteId", "exists", "siteId names no site.", err) // the parent is checked already
	}
	return err
}

// updateReason changes a reason guarded by its version and sets ch's action and before.
func (s *MonitoringStore) updateReason(ctx context.Context, tx *sql.Tx, r *monitoring.Reason, ch *audit.Change) error {
	old, err := scanReason(tx.QueryRowContext(ctx, `SELECT `+reasonCols+` FROM downtime_reasons WHERE id = $1`, r.ID))
	if err != nil {
		return err // sql.ErrNoRows: not found
	}
	if old.SiteID != r.SiteID {
		return fieldError(forkline.Invalid, "siteId", "fixed", "A downtime reason stays on its site.", nil)
	}
	if old.Version != r.Version {
		return forkline.ErrStaleVersion
	}
	ch.Action, ch.Before = activeAction(old.Active, r.Active), old
	// The stops given this reason move between down and planned time in
	// the hours when the reason turns planned (or back).
	var ids []forkline.ID
	var was []closedInterval
	if old.Planned != r.Planned {
		err := scanRows(ctx, tx, `SELECT id FROM equipment_intervals WHERE reason_id = $1 AND ended_at IS NOT NULL`, []any{r.ID}, func(rows *sql.Rows) error {
			var id forkline.ID
			ids = append(ids, id)
			return rows.Scan(&ids[len(ids)-1])
		})
		if err != nil {
			return fmt.Errorf("stops of the reason: %w", err)
		}
		if was, err = closedIntervals(ctx, tx, ids); err != nil {
			return err
		}
	}
	res, err := tx.ExecContext(ctx, `UPDATE downtime_reasons SET parent_id = $1, code = $2, name = $3, planned = $4, active = $5,
		version = version + 1, updated_at = $6 WHERE id = $7 AND version = $8`,
		nullIfEmpty(r.ParentID), r.Code, r.Name, r.Planned, r.Active, ts(s.now()), r.ID, r.Version)
	if err != nil {
		return err
	}
	r.Version++
	if err := oneRow(res, forkline.ErrStaleVersion); err != nil || len(was) == 0 {
		return err
	}
	is, err := closedIntervals(ctx, tx, ids)
	if err != nil {
		return err
	}
	for _, args := range [][]any{hourArgs(was, nil, -1), hourArgs(is, nil, 1)} { // one statement may not upsert a row twice
		if err := s.hours.exec(ctx, tx, args); err != nil {
			return fmt.Errorf("roll up hours: %w", err)
		}
	}
	return nil
}

// checkParent checks that a reason's parent is a reason of its site and not
// the reason itself or one below it.
func checkParent(ctx context.Context, tx *sql.Tx, r monitoring.Reason) error {
	var site forkline.ID
	err := tx.QueryRowContext(ctx, `SELECT site_id FROM downtime_reasons WHERE id = $1`, r.ParentID).Scan(&site)
	if errors.Is(err, sql.ErrNoRows) {
		return fieldError(forkline.Invalid, "parentId", "exists", "parentId names no downtime reason.", err)
	} else if err != nil {
		return err
	}
	if site != r.SiteID {
		return fieldError(forkline.Invalid, "parentId", "site", "parentId names a downtime reason of another site.", nil)
	}
	if r.ID == "" {
		return nil
	}
	var loops int
	if err := tx.QueryRowContext(ctx, `WITH RECURSIVE up(id, parent_id) AS (
			SELECT id, parent_id FROM downtime_reasons WHERE id = $1
			UNION SELECT d.id, d.parent_id FROM downtime_reasons d JOIN up ON d.id = up.parent_id)
		SELECT COUNT(*) FROM up WHERE id = $2`, r.ParentID, r.ID).Scan(&loops); err != nil {
		return fmt.Errorf("reason ancestors: %w", err)
	}
	if loops > 0 {
		return fieldError(forkline.Invalid, "parentId", "loop", "parentId names the reason itself or one below it.", nil)
	}
	return nil
}

// stops are the states an operator gives a reason for.
var stops = []monitoring.State{monitoring.Down, monitoring.Idle, monitoring.Unknown}

// Classify gives a stop (a down, idle or unknown interval) its reason, a
// reason of its equipment's site, with its audit entry; the actor in the
// context is who classified it. Errors: NotFound when there is no such
// interval; Invalid when the interval is not a stop ("state") or the reason
// is unknown, inactive or of another site ("reasonId").
func (s *MonitoringStore) Classify(ctx context.Context, interval, reason forkline.ID, note string) (monitoring.Interval, error) {
	var iv monitoring.Interval
	a, _ := forkline.ActorFrom(ctx)
	by := a.Name
	if by == "" {
		by = a.ID
	}
	err := s.db.tx(ctx, func(tx *sql.Tx) error {
		var site forkline.ID
		var err error
		// Locked: a batch closing this interval meanwhile waits, so its hours
		// are booked with the reason given here, or moved by it.
		iv, err = scanInterval(tx.QueryRowContext(ctx, `SELECT `+intervalCols+` FROM equipment_intervals WHERE id = $1`+s.db.dialect.forUpdate, interval))
		if err != nil {
			return err // sql.ErrNoRows: not found
		}
		if !slices.Contains(stops, iv.State) {
			return fieldError(forkline.Invalid, "state", "stop", fmt.Sprintf("Only a stop (%s) gets a reason; this interval is %s.", joinStates(stops), iv.State), nil)
		}
		if site, err = equipmentSite(ctx, tx, iv.EquipmentID, "equipmentId"); err != nil {
			return err
		}
		var rs forkline.ID
		var active bool
		err = tx.QueryRowContext(ctx, `SELECT site_id, active FROM downtime_reasons WHERE id = $1`, reason).Scan(&rs, &active)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return fieldError(forkline.Invalid, "reasonId", "exists", "reasonId names no downtime reason.", err)
		case err != nil:
			return err
		case rs != site:
			return fieldError(forkline.Invalid, "reasonId", "site", "reasonId names a downtime reason of another site.", nil)
		case !active:
			return fieldError(forkline.Invalid, "reasonId", "active", "reasonId names a downtime reason that is no longer used.", nil)
		}
		before := iv
		was, err := closedIntervals(ctx, tx, []forkline.ID{iv.ID})
		if err != nil {
			return err
		}
		iv.ReasonID, iv.ReasonNote, iv.ClassifiedBy = reason, strings.TrimSpace(note), by
		if _, err := tx.ExecContext(ctx, `UPDATE equipment_intervals SET reason_id = $1, reason_note = $2, classified_by = $3 WHERE id = $4`,
			iv.ReasonID, iv.ReasonNote, iv.ClassifiedBy, iv.ID); err != nil {
			return fmt.Errorf("classify interval: %w", err)
		}
		// A closed stop whose reason turns it planned (or back) moves in the hours.
		is, err := closedIntervals(ctx, tx, []forkline.ID{iv.ID})
		if err != nil {
			return err
		}
		if len(was) == 1 && len(is) == 1 && was[0].iv.Planned != is[0].iv.Planned {
			for _, args := range [][]any{hourArgs(was, nil, -1), hourArgs(is, nil, 1)} { // one statement may not upsert a row twice
				if err := s.hours.exec(ctx, tx, args); err != nil {
					return fmt.Errorf("roll up hours: %w", err)
				}
			}
		}
		return s.db.appendAudit(ctx, tx, audit.Change{Action: audit.Update, Entity: "equipment_interval", EntityID: iv.ID, SiteID: site,
			Reason: iv.ReasonNote, Before: before, After: iv})
	})
	return iv, err
}

func joinStates(ss []monitoring.State) string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return strings.Join(out, ", ")
}

// ---- Shifts and rates ----

const shiftCols = `id, site_id, name, start_minute, length_minutes, weekdays, active, version`

func scanShift(r interface{ Scan(...any) error }) (monitoring.Shift, error) {
	var x monitoring.Shift
	var start, length, days int64
	err := r.Scan(&x.ID, &x.SiteID, &x.Name, &start, &length, &days, &x.Active, &x.Version)
	x.Start, x.Length = time.Duration(start)*time.Minute, time.Duration(length)*time.Minute
	for d := time.Sunday; d <= time.Saturday; d++ {
		if days&(1<<d) != 0 {
			x.Weekdays = append(x.Weekdays, d)
		}
	}
	return x, err
}

// weekdayBits is the stored form of a shift's days: bit d for time.Weekday
// d; 0 for every day.
func weekdayBits(days []time.Weekday) int64 {
	var bits int64
	for _, d := range days {
		bits |= 1 << d
	}
	return bits
}

// Shifts returns a site's shifts, active or not, by start then name.
func (s *MonitoringStore) Shifts(ctx context.Context, site forkline.ID) ([]monitoring.Shift, error) {
	var out []monitoring.Shift
	err := scanRows(ctx, s.db.read, `SELECT `+shiftCols+` FROM shifts WHERE site_id = $1 ORDER BY start_minute, name, id`, []any{site}, func(r *sql.Rows) error {
		x, err := scanShift(r)
		out = append(out, x)
		return err
	})
	return out, s.db.mapErr(err)
}

// SaveShift creates a shift (Version 0) or changes one (Version as read),
// with its audit entry. Its weekdays come back in order, each once. Errors:
// Invalid when the shift is not valid, its site does not exist or a change
// moves it to another site; NotFound when the shift to change does not
// exist; Conflict when the version is stale.
func (s *MonitoringStore) SaveShift(ctx context.Context, x monitoring.Shift) (monitoring.Shift, error) {
	if err := x.Validate(); err != nil {
		return x, err
	}
	days := weekdayBits(x.Weekdays)
	x.Weekdays = nil
	for d := time.Sunday; d <= time.Saturday; d++ {
		if days&(1<<d) != 0 {
			x.Weekdays = append(x.Weekdays, d)
		}
	}
	start, length := int64(x.Start/time.Minute), int64(x.Length/time.Minute)
	err := s.db.tx(ctx, func(tx *sql.Tx) error {
		now := ts(s.now())
		ch := audit.Change{Action: audit.Create, Entity: "shift", SiteID: x.SiteID}
		if x.Version == 0 {
			if x.ID == "" {
				x.ID = s.db.ids.New()
			}
			x.Version = 1
			_, err := tx.ExecContext(ctx, `INSERT INTO shifts (`+shiftCols+`, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
				x.ID, x.SiteID, x.Name, start, length, days, x.Active, x.Version, now, now)
			if forkline.ErrorCode(s.db.mapErr(err)) == forkline.Invalid {
				return fieldError(forkline.Invalid, "siteId", "exists", "siteId names no site.", err)
			} else if err != nil {
				return fmt.Errorf("save shift: %w", err)
			}
		} else {
			old, err := scanShift(tx.QueryRowContext(ctx, `SELECT `+shiftCols+` FROM shifts WHERE id = $1`, x.ID))
			if err != nil {
				return err // sql.ErrNoRows: not found
			}
			if old.SiteID != x.SiteID {
				return fieldError(forkline.Invalid, "siteId", "fixed", "A shift stays on its site.", nil)
			}
			if old.Version != x.Version {
				return forkline.ErrStaleVersion
			}
			ch.Action, ch.Before = activeAction(old.Active, x.Active), old
			res, err := tx.ExecContext(ctx, `UPDATE shifts SET name = $1, start_minute = $2, length_minutes = $3, weekdays = $4, active = $5,
				version = version + 1, updated_at = $6 WHERE id = $7 AND version = $8`, x.Name, start, length, days, x.Active, now, x.ID, x.Version)
			if err != nil {
				return fmt.Errorf("save shift: %w", err)
			}
			if err := oneRow(res, forkline.ErrStaleVersion); err != nil {
				return err
			}
			x.Version++
		}
		ch.EntityID, ch.After = x.ID, x
		return s.db.appendAudit(ctx, tx, ch)
	})
	return x, err
}

// Rates returns the rates of the equipment, by equipment then item (the
// default, item zero, first).
func (s *MonitoringStore) Rates(ctx context.Context, equipment []forkline.ID) ([]monitoring.Rate, error) {
	if len(equipment) == 0 {
		return nil, nil
	}
	cond, args := idsIn("equipment_id", 1, equipment)
	var out []monitoring.Rate
	err := scanRows(ctx, s.db.read, `SELECT equipment_id, item_id, per_unit_us FROM equipment_rates WHERE `+cond+` ORDER BY equipment_id, item_id`, args,
		func(r *sql.Rows) error {
			var x monitoring.Rate
			var us int64
			err := r.Scan(&x.EquipmentID, &x.ItemID, &us)
			x.PerUnit = time.Duration(us) * time.Microsecond
			out = append(out, x)
			return err
		})
	return out, s.db.mapErr(err)
}

// SaveRate sets or replaces a rate, to the microsecond, with its audit entry
// (entity "equipment_rate", the equipment's ID); PerUnit 0 removes it.
// Errors: Invalid when the equipment does not exist ("equipmentId"), the item
// is not one of the equipment's site ("itemId") or PerUnit is negative or
// under a microsecond ("perUnit").
func (s *MonitoringStore) SaveRate(ctx context.Context, r monitoring.Rate) error {
	us := r.PerUnit.Microseconds()
	if r.PerUnit < 0 || r.PerUnit > 0 && us == 0 {
		return fieldError(forkline.Invalid, "perUnit", "min", "perUnit must be 0 (no rate) or at least a microsecond.", nil)
	}
	r.PerUnit = time.Duration(us) * time.Microsecond
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		site, err := equipmentSite(ctx, tx, r.EquipmentID, "equipmentId")
		if err != nil {
			return err
		}
		if r.ItemID != "" {
			var itemSite forkline.ID
			err := tx.QueryRowContext(ctx, `SELECT site_id FROM items WHERE id = $1`, r.ItemID).Scan(&itemSite)
			if errors.Is(err, sql.ErrNoRows) || err == nil && itemSite != site {
				return fieldError(forkline.Invalid, "itemId", "exists", "itemId names no item of the equipment's site.", err)
			} else if err != nil {
				return err
			}
		}
		// Deleting first reads the old rate and, on PostgreSQL, locks its row.
		ch := audit.Change{Action: audit.Create, Entity: "equipment_rate", EntityID: r.EquipmentID, SiteID: site}
		var old int64
		err = tx.QueryRowContext(ctx, `DELETE FROM equipment_rates WHERE equipment_id = $1 AND item_id = $2 RETURNING per_unit_us`,
			r.EquipmentID, r.ItemID).Scan(&old)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if us == 0 {
				return nil // nothing to remove
			}
		case err != nil:
			return fmt.Errorf("save rate: %w", err)
		default:
			ch.Action, ch.Before = audit.Update, monitoring.Rate{EquipmentID: r.EquipmentID, ItemID: r.ItemID, PerUnit: time.Duration(old) * time.Microsecond}
		}
		if us == 0 {
			ch.Action = audit.Disable
		} else {
			if _, err := tx.ExecContext(ctx, `INSERT INTO equipment_rates (equipment_id, item_id, per_unit_us) VALUES ($1, $2, $3)`,
				r.EquipmentID, r.ItemID, us); err != nil {
				return fmt.Errorf("save rate: %w", err)
			}
			ch.After = r
		}
		return s.db.appendAudit(ctx, tx, ch)
	})
}
