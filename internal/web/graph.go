package web

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/inventory"
)

// traceGraph is a genealogy drawn as SVG on the server: one column per
// step, material flowing left to right, a box per lot and an arrow per
// link, labelled with the order and the quantity it consumed. It is drawn
// at its natural size and never scaled down, so a trace of many lots stays
// readable: the page scrolls it.
type traceGraph struct {
	Width, Height int
	Columns       []graphColumn
	Boxes         []graphBox
	Edges         []graphEdge
	Labels        []graphLabel
}

type graphColumn struct {
	X     int // the centre of the column's title
	Title string
}

// graphBox is one lot. The template draws it translated to X, Y.
type graphBox struct {
	X, Y, W, H  int
	URL         string
	Code        string
	Item        string
	Lines       []graphText // the first starts with the status
	Title       string      // the whole of what the box abbreviates, as a tooltip
	Status      string      // the status badge class: ok, info, warn, danger
	StatusLabel string
	Root        bool
}

// Translate is the box's SVG transform.
func (b graphBox) Translate() string { return fmt.Sprintf("translate(%d,%d)", b.X, b.Y) }

type graphEdge struct {
	D    string // the SVG path
	Back bool   // against the flow: a lot consumed into an order that made an ancestor of it
}

// graphText is one line of text in a box, at Y, after a status label if any.
type graphText struct {
	Y                   int
	Status, StatusLabel string
	Text                string
}

type graphLabel struct {
	X, Y int
	Text string
}

// The geometry of the graph, in pixels.
const (
	graphBoxW   = 210
	graphColGap = 130 // room for the labels on the arrows
	graphRowGap = 18
	graphPad    = 16
	graphHead   = 36 // the column titles
)

// graphLot is what a box says about one lot.
type graphLot struct {
	Node   inventory.TraceNode
	Lines  []string
	Status statusView
	URL    string
}

// layoutTrace places the lots of a trace in columns and draws the links.
// Columns follow the longest path from the traced lot, so every link
// points right; within a column, lots are ordered near the lots they link
// to (a few barycentre sweeps), which keeps arrows from crossing.
func layoutTrace(tr inventory.Trace, lots map[forkline.ID]graphLot, lines int) traceGraph {
	ids := make([]forkline.ID, 0, len(tr.Nodes))
	depth := map[forkline.ID]int{}
	code := map[forkline.ID]string{}
	for _, n := range tr.Nodes {
		ids = append(ids, n.Lot.ID)
		depth[n.Lot.ID] = n.Depth
		code[n.Lot.ID] = n.Lot.Code
	}
	col := graphColumns(ids, tr.Edges, tr.Direction, depth)
	ncols := 0
	for _, c := range col {
		ncols = max(ncols, c+1)
	}
	parents, children := map[forkline.ID][]forkline.ID{}, map[forkline.ID][]forkline.ID{}
	for _, e := range tr.Edges {
		if e.ParentID == e.ChildID {
			continue
		}
		if _, ok := col[e.ParentID]; !ok {
			continue
		}
		if _, ok := col[e.ChildID]; !ok {
			continue
		}
		children[e.ParentID] = append(children[e.ParentID], e.ChildID)
		parents[e.ChildID] = append(parents[e.ChildID], e.ParentID)
	}
	// Columns of lots, first by code; then ordered by where their
	// neighbours are, left to right, right to left and left to right again.
	cols := make([][]forkline.ID, ncols)
	for _, id := range ids {
		cols[col[id]] = append(cols[col[id]], id)
	}
	pos := map[forkline.ID]float64{}
	place := func() {
		for _, c := range cols {
			for i, id := range c {
				pos[id] = float64(i) - float64(len(c)-1)/2
			}
		}
	}
	for _, c := range cols {
		slices.SortFunc(c, func(a, b forkline.ID) int { return strings.Compare(code[a], code[b]) })
	}
	place()
	sweep := func(c int, neighbours map[forkline.ID][]forkline.ID, before bool) {
		bary := map[forkline.ID]float64{}
		for _, id := range cols[c] {
			sum, n := 0.0, 0
			for _, nb := range neighbours[id] {
				if before && col[nb] < c || !before && col[nb] > c {
					sum += pos[nb]
					n++
				}
			}
			bary[id] = pos[id]
			if n > 0 {
				bary[id] = sum / float64(n)
			}
		}
		slices.SortStableFunc(cols[c], func(a, b forkline.ID) int { return cmp.Compare(bary[a], bary[b]) })
		for i, id := range cols[c] {
			pos[id] = float64(i) - float64(len(cols[c])-1)/2
		}
	}
	for c := 1; c < ncols; c++ {
		sweep(c, parents, true)
	}
	for c := ncols - 2; c >= 0; c-- {
		sweep(c, children, false)
	}
	for c := 1; c < ncols; c++ {
		sweep(c, parents, true)
	}
	place()

	boxH := 55 + 17*lines // code, item, then the lines, 17px apart
	ys := graphRows(cols, col, parents, children, boxH)
	g := traceGraph{Width: 2*graphPad + ncols*graphBoxW + max(0, ncols-1)*graphColGap}
	at := map[forkline.ID]graphBox{}
	for c, ids := range cols {
		x := graphPad + c*(graphBoxW+graphColGap)
		g.Columns = append(g.Columns, graphColumn{X: x + graphBoxW/2, Title: columnTitle(c, ncols, tr.Direction)})
		for _, id := range ids {
			l := lots[id]
			n := l.Node
			b := graphBox{X: x, Y: ys[id], W: graphBoxW, H: boxH, URL: l.URL, Code: clip(n.Lot.Code, 18),
				Item: clip(n.ItemCode+" · "+n.ItemName, 31), Status: l.Status.Badge, StatusLabel: l.Status.Label,
				Root: slices.Contains(tr.Roots, id)}
			b.Title = n.Lot.Code + "\n" + n.ItemCode + " · " + n.ItemName + "\n" + l.Status.Label
			for j, line := range l.Lines {
				gt := graphText{Y: 60 + 17*j, Text: line}
				if j == 0 {
					gt.Status, gt.StatusLabel = l.Status.Badge, l.Status.Label
				}
				b.Lines = append(b.Lines, gt)
				b.Title += "\n" + line
			}
			at[id] = b
			g.Boxes = append(g.Boxes, b)
			g.Height = max(g.Height, b.Y+b.H+graphPad+16) // room for a link looping below
		}
	}
	// One label per order a parent was consumed in: on the arrow to the
	// middle one of that order's outputs, halfway.
	type group struct {
		parent forkline.ID
		order  string
	}
	groups := map[group][]inventory.TraceEdge{}
	var order []group
	for _, e := range tr.Edges {
		p, okP := at[e.ParentID]
		ch, okC := at[e.ChildID]
		if !okP || !okC || e.ParentID == e.ChildID {
			continue
		}
		g.Edges = append(g.Edges, edgePath(p, ch))
		k := group{e.ParentID, e.OrderRef}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], e)
	}
	for _, k := range order {
		es := groups[k]
		slices.SortFunc(es, func(a, b inventory.TraceEdge) int { return cmp.Compare(at[a.ChildID].Y, at[b.ChildID].Y) })
		e := es[len(es)/2]
		p, ch := at[e.ParentID], at[e.ChildID]
		x1, y1 := p.X+p.W, p.Y+p.H/2
		x2, y2 := ch.X, ch.Y+ch.H/2
		if ch.X <= p.X {
			x1, y1, x2, y2 = p.X+p.W/2, p.Y+p.H+14, ch.X+ch.W/2, ch.Y+ch.H+14
		}
		text := e.OrderRef
		if !e.Quantity.IsZero() {
			text = strings.TrimSpace(text + " · " + qty(e.Quantity))
		}
		g.Labels = append(g.Labels, graphLabel{X: (x1 + x2) / 2, Y: (y1+y2)/2 + 4, Text: clip(text, 26)})
	}
	return g
}

// graphRows places the lots of each column vertically, in their order.
// The fullest column is stacked from the top; the others are placed
// outwards from it, each lot level with the middle of the lots it links to
// in the column already placed, then pushed down just enough to keep the
// boxes apart. So a dough sits beside the buns baked from it, even when a
// column holds thirty lots and its neighbour five.
func graphRows(cols [][]forkline.ID, col map[forkline.ID]int, parents, children map[forkline.ID][]forkline.ID, boxH int) map[forkline.ID]int {
	ys := map[forkline.ID]int{}
	top, step := graphPad+graphHead, boxH+graphRowGap
	anchor := 0
	for c := range cols {
		if len(cols[c]) > len(cols[anchor]) {
			anchor = c
		}
	}
	for i, id := range cols[anchor] {
		ys[id] = top + i*step
	}
	place := func(c int, neighbours map[forkline.ID][]forkline.ID, from int) {
		prev := top - step
		for _, id := range cols[c] {
			want, n := 0, 0
			for _, nb := range neighbours[id] {
				if col[nb] == from {
					want += ys[nb]
					n++
				}
			}
			y := prev + step
			if n > 0 {
				y = max(want/n, y)
			}
			ys[id], prev = y, y
		}
	}
	for c := anchor + 1; c < len(cols); c++ {
		place(c, parents, c-1)
	}
	for c := anchor - 1; c >= 0; c-- {
		place(c, children, c+1)
	}
	return ys
}

// edgePath draws an arrow from a parent's right side to a child's left
// side; a link against the flow loops below the boxes.
func edgePath(p, ch graphBox) graphEdge {
	if ch.X <= p.X {
		x1, y1 := p.X+p.W/2, p.Y+p.H
		x2, y2 := ch.X+ch.W/2, ch.Y+ch.H
		return graphEdge{Back: true, D: fmt.Sprintf("M%d %d C%d %d %d %d %d %d", x1, y1, x1, y1+40, x2, y2+40, x2, y2+4)}
	}
	x1, y1 := p.X+p.W, p.Y+p.H/2
	x2, y2 := ch.X-3, ch.Y+ch.H/2
	dx := (x2 - x1) / 2
	return graphEdge{D: fmt.Sprintf("M%d %d C%d %d %d %d %d %d", x1, y1, x1+dx, y1, x2-dx, y2, x2, y2)}
}

// graphColumns returns each lot's column. A forward trace starts at the
// traced lot on the left; a backward trace ends at it on the right. A lot
// sits one column after the furthest lot it is made from, so every link
// points right; lots on a loop (an order that consumed its own output)
// keep their distance from the traced lot.
func graphColumns(ids []forkline.ID, edges []inventory.TraceEdge, dir inventory.Direction, depth map[forkline.ID]int) map[forkline.ID]int {
	in := map[forkline.ID]bool{}
	for _, id := range ids {
		in[id] = true
	}
	// Walk away from the traced lot: forward from parent to child,
	// backward from child to parent.
	next := map[forkline.ID][]forkline.ID{}
	indeg := map[forkline.ID]int{}
	for _, e := range edges {
		from, to := e.ParentID, e.ChildID
		if dir == inventory.Backward {
			from, to = to, from
		}
		if from == to || !in[from] || !in[to] || slices.Contains(next[from], to) {
			continue
		}
		next[from] = append(next[from], to)
		indeg[to]++
	}
	layer := map[forkline.ID]int{}
	var queue []forkline.ID
	for _, id := range ids {
		if indeg[id] == 0 {
			queue = append(queue, id)
			layer[id] = 0
		}
	}
	done := map[forkline.ID]bool{}
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		done[id] = true
		for _, to := range next[id] {
			layer[to] = max(layer[to], layer[id]+1)
			if indeg[to]--; indeg[to] == 0 {
				queue = append(queue, to)
			}
		}
	}
	last := 0
	for _, id := range ids {
		if !done[id] {
			layer[id] = max(layer[id], depth[id])
		}
		last = max(last, layer[id])
	}
	if dir == inventory.Backward {
		for id, l := range layer {
			layer[id] = last - l
		}
	}
	return layer
}

func columnTitle(c, ncols int, dir inventory.Direction) string {
	steps := c
	if dir == inventory.Backward {
		steps = ncols - 1 - c
	}
	switch {
	case steps == 0:
		return "Traced lot"
	case dir == inventory.Backward && c == 0:
		return "Where it began"
	case dir == inventory.Backward:
		return fmt.Sprintf("%d %s back", steps, plural(steps, "step", "steps"))
	}
	return fmt.Sprintf("%d %s on", steps, plural(steps, "step", "steps"))
}

// clip shortens s to n characters, with an ellipsis.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
