package simulator_test

import (
	"slices"
	"testing"
	"time"

	"github.com/forkline/forkline/internal/monitoring"
	"github.com/forkline/forkline/internal/simulator"
)

var day0 = time.Date(2026, 3, 2, 5, 0, 0, 0, time.UTC)

func machineOf(t *testing.T, code string, seed int64) *simulator.Machine {
	t.Helper()
	for _, e := range simulator.DemoLayout().Equipment {
		if e.Code == code {
			loc := time.FixedZone("EST", -5*3600)
			if e.Site == "SPR" {
				loc = time.FixedZone("CST", -6*3600)
			}
			return simulator.NewMachine(e, loc, seed, day0)
		}
	}
	t.Fatalf("no equipment %s in the demo layout", code)
	return nil
}

func value(rs []simulator.Reading, metric string) float64 {
	for _, r := range rs {
		if r.Metric == metric {
			return r.Value.Num
		}
	}
	return -1
}

// dayOf steps a machine through a day, second by second, and returns the
// share of the day in each state and the readings of every step.
func dayOf(m *simulator.Machine) (map[monitoring.State]float64, [][]simulator.Reading) {
	share := map[monitoring.State]float64{}
	var steps [][]simulator.Reading
	const n = 24 * 3600
	for i := 1; i <= n; i++ {
		rs := m.Step(day0.Add(time.Duration(i) * time.Second))
		st, _ := m.State()
		share[st] += 1.0 / n
		steps = append(steps, rs)
	}
	return share, steps
}

func TestOverADayEachMachineSpendsPlausibleSharesOfTimeInEachState(t *testing.T) {
	type bounds map[monitoring.State][2]float64
	want := map[string]bounds{
		"FIL-01": {monitoring.Running: {0.55, 0.9}, monitoring.Down: {0.01, 0.15}, monitoring.Idle: {0, 0.08},
			monitoring.PlannedStop: {0.05, 0.07}, monitoring.Changeover: {0.01, 0.12}, monitoring.Cleaning: {0, 0.12}},
		"WRP-01": {monitoring.Running: {0.5, 0.9}, monitoring.Down: {0.01, 0.15}, monitoring.Idle: {0, 0.1},
			monitoring.PlannedStop: {0.05, 0.07}, monitoring.Changeover: {0.02, 0.15}, monitoring.Cleaning: {0.02, 0.15}},
		"PAS-01": {monitoring.Running: {0.75, 0.99}, monitoring.Down: {0, 0.1}, monitoring.Cleaning: {0, 0.15},
			monitoring.PlannedStop: {0, 0}},
		"FT-01":  {monitoring.Running: {0.5, 0.95}, monitoring.Cleaning: {0, 0.2}, monitoring.Idle: {0, 0.35}, monitoring.PlannedStop: {0, 0}},
		"INT-01": {monitoring.Running: {0.2, 0.7}, monitoring.Idle: {0.2, 0.7}, monitoring.Cleaning: {0, 0.15}},
	}
	for code, b := range want {
		for seed := int64(1); seed <= 2; seed++ {
			share, _ := dayOf(machineOf(t, code, seed))
			for st, r := range b {
				if share[st] < r[0]-1e-9 || share[st] > r[1]+1e-9 {
					t.Errorf("%s (seed %d) spent %.3f of the day %s, want %.2f to %.2f (all: %v)", code, seed, share[st], st, r[0], r[1], share)
				}
			}
			if code == "FIL-01" || code == "WRP-01" {
				if share[monitoring.Down] == 0 || share[monitoring.Running] == 0 {
					t.Errorf("%s (seed %d) never ran or never stopped: %v", code, seed, share)
				}
			}
		}
	}
}

func TestCountersOnlyGoUpExceptWhenTheyRollOver(t *testing.T) {
	for _, tc := range []struct {
		code     string
		max      float64
		rollOver bool // within the day
	}{{"FIL-01", 65535, true}, {"WRP-01", 4294967295, true}} {
		t.Run(tc.code, func(t *testing.T) {
			m := machineOf(t, tc.code, 7)
			first := m.Step(day0)
			_, steps := dayOf(m)
			rolled := 0
			for _, metric := range []string{"Good", "Reject"} {
				prev := value(first, metric)
				for i, rs := range steps {
					v := value(rs, metric)
					if v < 0 || v > tc.max || v != float64(int64(v)) {
						t.Fatalf("step %d: %s = %v, want a whole number from 0 to %v", i, metric, v, tc.max)
					}
					if v < prev {
						if up := v + tc.max + 1 - prev; up > 10 {
							t.Fatalf("step %d: %s went from %v to %v: down by more than a roll-over", i, metric, prev, v)
						}
						rolled++
					}
					prev = v
				}
			}
			if tc.rollOver && rolled == 0 {
				t.Errorf("%s never rolled over in a day", tc.code)
			}
		})
	}
}

func TestTheCupFillerCountsAtItsRateAndRejectsAFewCups(t *testing.T) {
	m := machineOf(t, "FIL-01", 3)
	share, _ := dayOf(m)
	good, reject := m.Units()
	perSecond := float64(good+reject) / (share[monitoring.Running] * 24 * 3600)
	if perSecond < 3.7 || perSecond > 4.0 {
		t.Errorf("the filler made %.2f cups per running second, want about 1/0.26 s", perSecond)
	}
	if r := float64(reject) / float64(good+reject); r < 0.004 || r > 0.012 {
		t.Errorf("the filler rejected %.4f of its cups, want about 0.008", r)
	}
}

func TestTheHTSTHoldsMilkAt72DegreesWhileItRuns(t *testing.T) {
	for seed := int64(1); seed <= 2; seed++ {
		m := machineOf(t, "PAS-01", seed)
		var running, below int
		for i := 1; i <= 24*3600; i++ {
			now := day0.Add(time.Duration(i) * time.Second)
			rs := m.Step(now)
			st, since := m.State()
			temp, hold := value(rs, "HoldTemp"), value(rs, "HoldTime")
			if temp < 70 || temp > 86 {
				t.Fatalf("seed %d at %s: HoldTemp %.2f °C in state %s, want 70 to 86", seed, now, temp, st)
			}
			if st != monitoring.Running || now.Sub(since) < 2*time.Minute {
				continue
			}
			running++
			if temp < 71.5 || temp > 73.5 {
				t.Fatalf("seed %d at %s: HoldTemp %.2f °C while running, want 71.5 to 73.5", seed, now, temp)
			}
			if hold < 15 || hold > 16.5 {
				t.Fatalf("seed %d at %s: HoldTime %.2f s while running, want 15 to 16.5", seed, now, hold)
			}
			if temp < 72 {
				below++
			}
		}
		if running == 0 {
			t.Fatalf("seed %d: the pasteuriser never ran", seed)
		}
		if share := float64(below) / float64(running); share > 0.01 {
			t.Errorf("seed %d: HoldTemp was below 72 °C for %.3f of the running time, want rare dips", seed, share)
		}
	}
}

func TestTheBakeryLineCleansTogetherAfterTheSesameBuns(t *testing.T) {
	mixer, oven, wrapper := machineOf(t, "MIX-01", 5), machineOf(t, "OVN-01", 5), machineOf(t, "WRP-01", 5)
	var cleans int
	prev := ""
	for i := 1; i <= 24*3600; i += 10 {
		now := day0.Add(time.Duration(i) * time.Second)
		mixer.Step(now)
		oven.Step(now)
		wrapper.Step(now)
		p := wrapper.Phase()
		if mixer.Phase() != p || oven.Phase() != p {
			t.Fatalf("at %s mixer, oven and wrapper do %q, %q, %q: want one program for the line", now, mixer.Phase(), oven.Phase(), p)
		}
		if p == "allergen clean (sesame)" && prev != p {
			cleans++
			if prev != "sesame buns" {
				t.Errorf("the allergen clean at %s came after %q, want after the sesame buns", now, prev)
			}
		}
		prev = p
	}
	if cleans == 0 {
		t.Error("the bakery line never cleaned between allergen runs in a day")
	}
}

func TestTheSameSeedMakesTheSameMachine(t *testing.T) {
	for _, code := range []string{"FIL-01", "PAS-01", "FT-02", "OVN-01"} {
		a, b, c := machineOf(t, code, 11), machineOf(t, code, 11), machineOf(t, code, 12)
		differs := false
		for i := 1; i <= 6*3600; i += 3 {
			now := day0.Add(time.Duration(i) * time.Second)
			ra, rb, rc := a.Step(now), b.Step(now), c.Step(now)
			if !slices.Equal(ra, rb) {
				t.Fatalf("%s at %s: %v and %v with the same seed", code, now, ra, rb)
			}
			differs = differs || !slices.Equal(ra, rc)
		}
		if !differs {
			t.Errorf("%s behaved the same with seeds 11 and 12", code)
		}
	}
}

func TestStatesAndCountsDoNotDependOnHowOftenTheModelIsStepped(t *testing.T) {
	fine, coarse := machineOf(t, "WRP-01", 9), machineOf(t, "WRP-01", 9)
	end := day0.Add(8 * time.Hour)
	for now := day0; !now.After(end); now = now.Add(time.Second) {
		fine.Step(now)
	}
	for now := day0; !now.After(end); now = now.Add(time.Minute) {
		coarse.Step(now)
	}
	fg, fr := fine.Units()
	cg, cr := coarse.Units()
	fs, fsince := fine.State()
	cs, csince := coarse.State()
	if fg != cg || fr != cr || fs != cs || !fsince.Equal(csince) {
		t.Errorf("stepped by the second: %d good, %d rejected, %s since %s; by the minute: %d, %d, %s since %s",
			fg, fr, fs, fsince, cg, cr, cs, csince)
	}
}
