package web

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/auth"
	"github.com/forkline/forkline/internal/plant"
	"github.com/forkline/forkline/internal/production"
)

// The production pages share these: order states as people read them,
// limits and targets as text, and the few lookups every page needs.

// stateView is an order state as people read it.
type stateView struct {
	Label, Badge, Help string
}

func orderState(s production.State) stateView {
	switch s {
	case production.Planned:
		return stateView{"Planned", "muted", "Not on a line's dispatch list yet: a planner releases it."}
	case production.Released:
		return stateView{"Released", "info", "On the line's dispatch list, waiting to start."}
	case production.InProgress:
		return stateView{"Running", "ok", "Running on the line."}
	case production.Completed:
		return stateView{"Completed", "neutral", "Made. The batch record waits for quality's review and release."}
	case production.Closed:
		return stateView{"Closed", "muted", "Done: nothing changes any more."}
	case production.OnHold:
		return stateView{"On hold", "warn", "Stopped by a supervisor; it goes back to where it was."}
	case production.Cancelled:
		return stateView{"Cancelled", "danger", "It will not be made."}
	}
	return stateView{string(s), "muted", ""}
}

// moved says what a state change did, e.g. "Started" or "Put on hold".
func moved(from, to production.State) string {
	switch to {
	case production.Released:
		if from == production.OnHold {
			return "Resumed: back on the dispatch list"
		}
		return "Released to the line"
	case production.InProgress:
		if from == production.OnHold {
			return "Resumed"
		}
		return "Started"
	case production.Completed:
		return "Completed"
	case production.Closed:
		return "Closed"
	case production.OnHold:
		return "Put on hold"
	case production.Cancelled:
		return "Cancelled"
	}
	return string(to)
}

// limits writes a parameter's limits with its unit, e.g. "92 – 99 °C".
func limits(min, max production.Decimal, unit string) string {
	return strings.TrimSpace(min.String() + " – " + max.String() + " " + unit)
}

// withUnit writes a value with its unit, e.g. "96 °C".
func withUnit(d production.Decimal, unit string) string {
	return strings.TrimSpace(d.String() + " " + unit)
}

// plannedAt writes a planned time at the site, e.g. "Mon 2 Mar, 08:00".
func plannedAt(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(loc).Format("Mon 2 Jan, 15:04")
}

// shortHash writes the start of a content hash, enough to compare by eye.
func shortHash(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// prodRefs are the master records production pages name: items and lines.
type prodRefs struct {
	items *refs[plant.Item, *plant.Item]
	lines *refs[plant.Line, *plant.Line]
}

func (ui *UI) prodRefs(ctx context.Context, site forkline.ID) (prodRefs, error) {
	var pr prodRefs
	var err error
	if pr.items, err = newRefs[plant.Item](ctx, ui.cfg.Plant.Items, site); err != nil {
		return pr, err
	}
	pr.lines, err = newRefs[plant.Line](ctx, ui.cfg.Plant.Lines, site)
	return pr, err
}

// productionSite returns the current site for a production page, refusing
// a user who may not perm there.
func (v visit) productionSite(perm forkline.Permission) (plant.Site, error) {
	return v.ledgerSite(perm)
}

// signatureMeanings are what a signer may state, by what is signed.
var signatureMeanings = map[string][]option{
	"batch": {
		{production.MeaningReleased, "Released for use and shipment"},
	},
	"deviation": {
		{production.MeaningReviewed, "Reviewed: cause found, product safe"},
		{"rejected product", "Reviewed: product rejected"},
	},
	"recipe": {
		{"approved", "Approved for production"},
	},
}

func meaningOptions(kind, selected string) []formOption {
	var out []formOption
	for i, o := range signatureMeanings[kind] {
		out = append(out, formOption{Value: o.Value, Label: o.Label, Selected: o.Value == selected || selected == "" && i == 0})
	}
	return out
}

// knownMeaning returns the meaning posted if it is one the form offers.
func knownMeaning(kind, posted string) string {
	if slices.ContainsFunc(signatureMeanings[kind], func(o option) bool { return o.Value == posted }) {
		return posted
	}
	return ""
}

// signForm is an electronic signature: the password again and the meaning,
// with what the signer must know first.
type signForm struct {
	ID       string // the form's element ID
	Action   string
	Title    string
	Intro    string
	Submit   string
	Hidden   []formOption // Value is the field's name, Label its value
	Reason   *formField   // a reason, when the signature needs one
	Password formField
	Meaning  formField
	Summary  string // why it was refused
	Danger   bool
	Signer   string
	Open     bool
}

func newSignForm(id, action, kind, signer string, p problems, posted func(string) string) *signForm {
	f := &signForm{ID: id, Action: action, Signer: signer}
	f.Password = p.field(id+"-password", "Your password", "password", "")
	f.Password.Required = true
	f.Password.Hint = "Re-enter your password: it makes this your electronic signature."
	f.Meaning = p.field(id+"-meaning", "Meaning of your signature", "select", posted(id+"-meaning"))
	f.Meaning.Options = meaningOptions(kind, posted(id+"-meaning"))
	f.Meaning.Required = true
	return f
}

// signFields maps a service's field names on signatures to a form's.
func signFields(id string) map[string]string {
	return map[string]string{"password": id + "-password", "meaning": id + "-meaning", "reason": id + "-reason"}
}

// supervisorContext checks a supervisor's badge and PIN on an operator's
// tablet, for one decision only a supervisor may take: it signs them in
// and out again at once, and returns a context acting as them. The
// decision is then recorded in the supervisor's name.
func (ui *UI) supervisorContext(ctx context.Context, badge, pin string, site forkline.ID) (context.Context, error) {
	secret, u, err := ui.cfg.Auth.LoginBadge(ctx, badge, pin)
	if err != nil {
		return nil, err
	}
	if err := ui.cfg.Auth.Logout(ctx, secret); err != nil {
		return nil, err
	}
	a := u.Actor()
	if !a.Can(forkline.PermProductionOverride, site) {
		return nil, forkline.Errorf(forkline.Forbidden, "Badge %s belongs to %s, who is not a supervisor on this site.", badge, cmpOr(u.DisplayName, u.Username))
	}
	return forkline.WithActor(auth.WithUser(ctx, u), a), nil
}

// yieldText writes a yield, e.g. "294 ea of 300 ea (98.0%)".
func yieldText(y production.Yield) string {
	if y.Percent == "" {
		if y.Actual.IsZero() {
			return "—"
		}
		return qty(y.Actual) + " made"
	}
	return fmt.Sprintf("%s of %s theoretical (%s%%)", qty(y.Actual), qty(y.Theoretical), y.Percent)
}
