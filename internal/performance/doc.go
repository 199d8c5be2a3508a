// Package performance computes how well equipment used its time: OEE and its
// factors per ISO 22400-2:2014, the shift calendar and production days that
// reports group by, and the downtime analysis (stops, micro-stops, Pareto).
// It is pure Go: callers load state intervals and minute counts (the
// monitoring capability records them) and hand them in; nothing here does I/O.
//
// # Time model (ISO 22400-2:2014, time elements of a work unit)
//
// Every instant of the measured range (the planned operation time, POT, here
// a shift, a production day or any range) is booked to exactly one element,
// by the state of the equipment's interval covering it:
//
//	state                        element  ISO 22400-2 name and meaning
//	running                      APT      actual production time: the unit produces,
//	                                      value-adding functions only
//	changeover, cleaning         AUST     actual unit setup time: preparing the unit
//	                                      for an order (APT + AUST = AUPT)
//	down                         ADET     actual unit delay time: malfunction-caused
//	                                      interrupts and other unplanned stoppages
//	idle, unknown, no interval   ADOT     actual unit down time: the unit does not run
//	                                      with orders although it is available
//	planned_stop, or a stop      PDOT     planned down time: breaks, meetings, no
//	  (down, idle, unknown) with            orders planned
//	  a planned reason
//
// and the planned busy time is PBT = POT − PDOT = APT + AUST + ADET + ADOT.
// Setup is part of PBT but not of APT, so changeovers and cleaning lower
// availability and show as their own element. A planned reason moves a stop
// out of PBT; it does not move setup, running time or a planned stop. A state
// this package does not know counts as unknown. Time with no interval at all
// (a gap in the data) is unknown too; Result.Unknown shows how much of ADOT
// had no signal.
//
// Quantities: PQ produced quantity = GQ good quantity + rejected quantity,
// from the minute counts. PRI is the planned run time per item; it may change
// from order to order, so it is looked up per minute and summed as
// PlannedRunTime = Σ PRI × PQ.
//
// # KPIs (ISO 22400-2:2014, KPI descriptions)
//
//	Availability   = APT / PBT
//	Effectiveness  = PRI × PQ / APT        (Σ PRI × PQ when PRI varies)
//	Quality ratio  = GQ / PQ
//	OEE index      = Availability × Effectiveness × Quality ratio
//	               = Σ(PRI × PQ) × GQ / (PBT × PQ)
//
// A ratio whose denominator is zero is not defined: a Ratio carries that
// explicitly ("n/a", JSON null), never NaN and never a silent 0. Effectiveness
// is also undefined when any produced unit has no planned run time, and the OEE
// index is defined only when all three factors are. Ratios are the correctly
// rounded value of the exact fraction of the integer time elements and
// quantities (nanoseconds and units), so a worked example reproduces exactly.
// Effectiveness is not capped at 1: more than 1 means the rate is set too slow.
//
// The OEE of a longer period or of several equipment is computed from the
// summed time elements and quantities (Aggregate), never by averaging ratios.
//
// # Shift calendar
//
// Shifts are wall-clock times in the site's time zone. A shift belongs to the
// local day it starts on, also when it crosses midnight, and ends at the wall
// clock time its start plus its length shows: a 22:00 to 06:00 night shift
// lasts 7 hours in the night the clocks go forward and 9 hours in the night
// they go back. A production day runs from local midnight to local midnight:
// 23 or 25 hours on the days daylight saving time starts or ends.
//
// # Downtime
//
// A stop is a maximal run of adjacent unplanned down, idle or unknown time.
// Idle (starved or blocked) is a stop: the line did not run although it was
// meant to. Changeover and cleaning are setup, not stops; a planned stop, or a
// stop given a planned reason, is not a stop either. A stop shorter than the
// micro-stop threshold is a micro-stop, counted apart.
package performance
