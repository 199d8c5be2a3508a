package web

import (
	"fmt"
	"testing"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/inventory"
)

// traceOf builds a trace of lots named by code, linked parent -> child
// through the order named on each edge.
func traceOf(dir inventory.Direction, root string, edges [][3]string) inventory.Trace {
	tr := inventory.Trace{Direction: dir, Roots: []forkline.ID{"id-" + root}}
	seen := map[string]bool{}
	node := func(code string) {
		if !seen[code] {
			seen[code] = true
			tr.Nodes = append(tr.Nodes, inventory.TraceNode{Lot: inventory.Lot{ID: "id-" + code, Code: code}, ItemCode: "IT", ItemName: "Item"})
		}
	}
	node(root)
	for _, e := range edges {
		node(e[0])
		node(e[1])
		tr.Edges = append(tr.Edges, inventory.TraceEdge{ParentID: "id-" + e[0], ChildID: "id-" + e[1], OrderRef: e[2],
			Quantity: forkline.NewQuantity(5, forkline.Kilogram)})
	}
	return tr
}

func lotsOf(tr inventory.Trace) map[forkline.ID]graphLot {
	out := map[forkline.ID]graphLot{}
	for _, n := range tr.Nodes {
		out[n.Lot.ID] = graphLot{Node: n, Lines: []string{"made 5 kg", "On hand 0 kg"}, Status: lotStatus(inventory.Released)}
	}
	return out
}

// checkLayout fails the test if boxes overlap, leave the drawing, or a
// link does not point right.
func checkLayout(t *testing.T, tr inventory.Trace, g traceGraph) map[forkline.ID]graphBox {
	t.Helper()
	if len(g.Boxes) != len(tr.Nodes) {
		t.Fatalf("layoutTrace drew %d boxes for %d lots", len(g.Boxes), len(tr.Nodes))
	}
	at := map[forkline.ID]graphBox{}
	for i, a := range g.Boxes {
		at["id-"+a.Code] = a
		if a.X < 0 || a.Y < graphHead || a.X+a.W > g.Width || a.Y+a.H > g.Height {
			t.Errorf("box %s at (%d,%d) leaves the %dx%d drawing", a.Code, a.X, a.Y, g.Width, g.Height)
		}
		for _, b := range g.Boxes[i+1:] {
			if a.X < b.X+b.W && b.X < a.X+a.W && a.Y < b.Y+b.H && b.Y < a.Y+a.H {
				t.Errorf("boxes %s and %s overlap", a.Code, b.Code)
			}
		}
	}
	for _, e := range tr.Edges {
		if e.ParentID == e.ChildID {
			continue
		}
		if p, c := at[e.ParentID], at[e.ChildID]; c.X <= p.X {
			t.Errorf("the link %s -> %s does not point right: x %d -> %d", p.Code, c.Code, p.X, c.X)
		}
	}
	return at
}

func TestLayoutTrace(t *testing.T) {
	t.Run("a forward trace of 43 lots keeps every box apart and every arrow pointing right", func(t *testing.T) {
		var edges [][3]string
		for i := range 6 {
			dough := fmt.Sprintf("D%d", i)
			edges = append(edges, [3]string{"FLOUR", dough, fmt.Sprintf("WO-1%d", i)})
			for j := range 6 {
				edges = append(edges, [3]string{dough, fmt.Sprintf("B%d%d", i, j), fmt.Sprintf("WO-2%d", i)})
			}
		}
		tr := traceOf(inventory.Forward, "FLOUR", edges)
		g := layoutTrace(tr, lotsOf(tr), 2)
		at := checkLayout(t, tr, g)
		if len(g.Columns) != 3 || g.Columns[0].Title != "Traced lot" || g.Columns[2].Title != "2 steps on" {
			t.Errorf("columns = %+v, want the traced lot and 2 steps on", g.Columns)
		}
		if len(g.Labels) != 12 {
			t.Errorf("layoutTrace drew %d labels, want one per lot and order consumed: 12", len(g.Labels))
		}
		// Each dough's buns sit together, next to their dough.
		for i := range 6 {
			d := at[forkline.ID(fmt.Sprintf("id-D%d", i))]
			for j := range 6 {
				b := at[forkline.ID(fmt.Sprintf("id-B%d%d", i, j))]
				if dist := b.Y - d.Y; dist < -4*(b.H+graphRowGap) || dist > 4*(b.H+graphRowGap) {
					t.Errorf("bun B%d%d is %d px from its dough", i, j, dist)
				}
			}
		}
	})

	t.Run("a backward trace ends at the traced lot on the right", func(t *testing.T) {
		tr := traceOf(inventory.Backward, "BUN", [][3]string{{"DOUGH", "BUN", "WO-2"}, {"FLOUR", "DOUGH", "WO-1"}, {"EGG", "DOUGH", "WO-1"}, {"FLOUR", "BUN", "WO-2"}})
		g := layoutTrace(tr, lotsOf(tr), 2)
		at := checkLayout(t, tr, g)
		if at["id-BUN"].X <= at["id-DOUGH"].X || at["id-FLOUR"].X >= at["id-DOUGH"].X {
			t.Errorf("columns: flour %d, dough %d, bun %d; want flour, dough, bun from left to right", at["id-FLOUR"].X, at["id-DOUGH"].X, at["id-BUN"].X)
		}
		if last := g.Columns[len(g.Columns)-1].Title; last != "Traced lot" {
			t.Errorf("the last column is %q, want the traced lot", last)
		}
	})

	t.Run("re-work that loops back is drawn without hanging", func(t *testing.T) {
		tr := traceOf(inventory.Forward, "A", [][3]string{{"A", "B", "WO-1"}, {"B", "C", "WO-2"}, {"C", "B", "WO-1"}, {"B", "B", "WO-1"}})
		g := layoutTrace(tr, lotsOf(tr), 2)
		if len(g.Boxes) != 3 {
			t.Fatalf("layoutTrace drew %d boxes, want 3", len(g.Boxes))
		}
		back := 0
		for _, e := range g.Edges {
			if e.Back {
				back++
			}
		}
		if back != 1 {
			t.Errorf("layoutTrace drew %d links against the flow, want 1 (C -> B)", back)
		}
	})
}
