package web

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/recipe"
)

// recipesPage lists the site's master recipes.
type recipesPage struct {
	layout
	SiteName string
	Rows     []recipeRow
}

type recipeRow struct {
	URL, Code, Name string
	Item, ItemCode  string
	Current         string // "version 3", or "none approved"
	Versions        []versionBadge
}

type versionBadge struct {
	URL, Label, Badge string
}

func versionStatus(s recipe.Status) (string, string) {
	switch s {
	case recipe.Draft:
		return "Draft", "warn"
	case recipe.Approved:
		return "Approved", "ok"
	case recipe.Obsolete:
		return "Obsolete", "muted"
	}
	return string(s), "muted"
}

func (ui *UI) handleRecipes() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		v, err := ui.visit(w, r)
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		site, err := v.productionSite(forkline.PermRecipeRead)
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		rs, err := ui.cfg.Recipes.Recipes(ctx, recipe.Filter{SiteIDs: []forkline.ID{site.ID}, Limit: 500})
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		pr, err := ui.prodRefs(ctx, site.ID)
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		p := recipesPage{SiteName: site.Name}
		for _, rc := range rs {
			it, _ := pr.items.get(ctx, rc.ItemID)
			row := recipeRow{URL: "/recipes/" + rc.ID, Code: rc.Code, Name: rc.Name, Item: it.Name, ItemCode: it.Code, Current: "none approved"}
			for _, ver := range rc.Versions {
				label, badge := versionStatus(ver.Status)
				row.Versions = append(row.Versions, versionBadge{URL: fmt.Sprintf("/recipes/%s?version=%d", rc.ID, ver.Number),
					Label: fmt.Sprintf("v%d %s", ver.Number, strings.ToLower(label)), Badge: badge})
				if ver.Status == recipe.Approved {
					row.Current = fmt.Sprintf("version %d", ver.Number)
				}
			}
			p.Rows = append(p.Rows, row)
		}
		p.layout = ui.layout(w, r, v, "Recipes")
		ui.render(w, r, http.StatusOK, "recipes", p)
	})
}

// recipePage is one version of a recipe: what a reviewer reads before
// signing it, and the signature once signed.
type recipePage struct {
	layout
	ID, Code, Name      string
	Item, ItemCode      string
	Number              int
	Status, StatusBadge string
	Tabs                []navLink
	BatchSize           string
	Ingredients         []ingredientRow
	Steps               []stepRow
	Allergens           string
	Declared            string
	Undeclared          string
	Signature           *sigView
	Intact              bool
	Problem             string // the verification's finding when not intact
	Hash                string
	Approve             *signForm
	NewerDraft          string
}

type ingredientRow struct {
	Code, Name, Quantity, Tolerance string
	Substitutes                     string
	Allergens                       string
}

type stepRow struct {
	N           int
	Instruction string
	Additions   string
	Params      []paramSpec
}

type paramSpec struct {
	Name, Target, Limits string
	CCP                  bool
}

func (ui *UI) handleRecipe() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := ui.visit(w, r)
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		n, _ := strconv.Atoi(r.URL.Query().Get("version"))
		p, err := ui.recipePage(w, r, v, r.PathValue("id"), n, nil)
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		ui.render(w, r, http.StatusOK, "recipe", p)
	})
}

func (ui *UI) recipePage(w http.ResponseWriter, r *http.Request, v visit, id forkline.ID, number int, att *signAttempt) (recipePage, error) {
	ctx := r.Context()
	rc, err := ui.cfg.Recipes.Recipe(ctx, id)
	if err != nil {
		return recipePage{}, err
	}
	if len(rc.Versions) == 0 {
		return recipePage{}, forkline.ErrNotFound
	}
	// The version asked for, else the draft under review, else the approved one.
	i := slices.IndexFunc(rc.Versions, func(ver recipe.Version) bool { return ver.Number == number })
	if i < 0 {
		i = slices.IndexFunc(rc.Versions, func(ver recipe.Version) bool { return ver.Status == recipe.Draft })
	}
	if i < 0 {
		i = slices.IndexFunc(rc.Versions, func(ver recipe.Version) bool { return ver.Status == recipe.Approved })
	}
	if i < 0 {
		i = len(rc.Versions) - 1
	}
	d, err := ui.cfg.Recipes.Detail(ctx, rc.Versions[i].ID)
	if err != nil {
		return recipePage{}, err
	}
	ver := d.Version
	loc := v.siteLoc(rc.SiteID)
	p := recipePage{ID: rc.ID, Code: rc.Code, Name: rc.Name, Item: d.Product.Name, ItemCode: d.Product.Code, Number: ver.Number,
		BatchSize: qty(ver.BatchSize), Hash: shortHash(d.Verification.ComputedHash), Intact: d.Verification.Intact, Problem: d.Verification.Problem}
	p.Status, p.StatusBadge = versionStatus(ver.Status)
	for _, x := range rc.Versions {
		label, _ := versionStatus(x.Status)
		p.Tabs = append(p.Tabs, navLink{Label: fmt.Sprintf("Version %d · %s", x.Number, strings.ToLower(label)),
			URL: fmt.Sprintf("/recipes/%s?version=%d", rc.ID, x.Number), Current: x.Number == ver.Number})
		if x.Status == recipe.Draft && x.Number != ver.Number {
			p.NewerDraft = fmt.Sprintf("Version %d is a draft waiting for approval.", x.Number)
		}
	}
	name := func(id forkline.ID) (string, string) {
		it, ok := d.Items[id]
		if !ok {
			return id, ""
		}
		return it.Code, it.Name
	}
	for _, in := range ver.Ingredients {
		code, n := name(in.ItemID)
		row := ingredientRow{Code: code, Name: n, Quantity: qty(in.Quantity), Tolerance: "± " + in.Tolerance.String() + "%",
			Allergens: strings.Join(d.Items[in.ItemID].Allergens, ", ")}
		var subs []string
		for _, s := range in.Substitutes {
			sc, sn := name(s)
			subs = append(subs, sc+" "+sn)
		}
		row.Substitutes = strings.Join(subs, ", ")
		p.Ingredients = append(p.Ingredients, row)
	}
	for k, st := range ver.Steps {
		row := stepRow{N: k + 1, Instruction: st.Instruction}
		var adds []string
		for _, a := range st.Additions {
			c, _ := name(a)
			adds = append(adds, c)
		}
		row.Additions = strings.Join(adds, ", ")
		for _, pm := range st.Parameters {
			row.Params = append(row.Params, paramSpec{Name: pm.Name, Target: strings.TrimSpace(pm.Target.String() + " " + pm.Unit),
				Limits: strings.TrimSpace(pm.Min.String() + " – " + pm.Max.String() + " " + pm.Unit), CCP: pm.CCP})
		}
		p.Steps = append(p.Steps, row)
	}
	p.Allergens = cmpOr(strings.Join(d.Allergens, ", "), "none")
	p.Declared = cmpOr(strings.Join(d.Product.Allergens, ", "), "none")
	p.Undeclared = strings.Join(d.Undeclared, ", ")
	if s := ver.Signature; s != nil {
		p.Signature = &sigView{What: "Approval", Signer: s.SignerName, Meaning: s.Meaning, When: recordAt(s.SignedAt, loc), Hash: shortHash(s.ContentHash)}
	}
	if ver.Status == recipe.Draft && v.can(forkline.PermRecipeApprove, rc.SiteID) {
		pb := att.problems("approve")
		f := newSignForm("approve", "/recipes/"+rc.ID+"/approve", "recipe", cmpOr(v.user.DisplayName, v.actor.Name), pb, func(k string) string { return att.value("approve", k) })
		f.Title, f.Submit, f.Open = "Approve this version", fmt.Sprintf("Sign and approve version %d", ver.Number), true
		f.Intro = fmt.Sprintf("Your signature makes version %d the one production uses", ver.Number)
		if cur, ok := rc.Current(); ok {
			f.Intro += fmt.Sprintf(" (version %d becomes obsolete)", cur.Number)
		}
		f.Intro += ". It is bound to the content as shown (" + p.Hash + "); the version cannot be edited after."
		f.Hidden = []formOption{{Value: "version", Label: ver.ID}, {Value: "revision", Label: strconv.Itoa(ver.Revision)}}
		f.Summary = strings.Join(pb.general, " ")
		p.Approve = f
	}
	p.layout = ui.layout(w, r, v, "Recipe "+rc.Code)
	return p, nil
}

func (ui *UI) handleRecipeApprove() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := ui.visit(w, r)
		if err == nil {
			err = parseForm(w, r)
		}
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		id, f := r.PathValue("id"), r.PostForm
		rc, err := ui.cfg.Recipes.Recipe(r.Context(), id)
		if err != nil {
			ui.fail(w, r, err)
			return
		}
		// The version must be one of this recipe's.
		vid := f.Get("version")
		i := slices.IndexFunc(rc.Versions, func(x recipe.Version) bool { return x.ID == vid })
		if i < 0 {
			ui.fail(w, r, forkline.ErrNotFound)
			return
		}
		rev, _ := strconv.Atoi(f.Get("revision"))
		ver, err := ui.cfg.Recipes.Approve(r.Context(), recipe.ApproveInput{VersionID: vid, Revision: rev, Password: f.Get("approve-password"),
			Meaning: knownMeaning("recipe", f.Get("approve-meaning"))})
		if err == nil {
			ui.redirect(w, r, fmt.Sprintf("/recipes/%s?version=%d", rc.ID, ver.Number),
				fmt.Sprintf("Recipe %s version %d approved: signed by %s. Orders released from now on use it.", rc.Code, ver.Number, ver.Signature.SignerName))
			return
		}
		att := &signAttempt{form: "approve", posted: f}
		st, ok := http.StatusUnprocessableEntity, true
		if errors.Is(err, recipe.ErrUndeclaredAllergens) {
			att.p.add("", forkline.ErrorMessage(err))
		} else {
			st, ok = signRefusal(err, "approve", &att.p)
		}
		if !ok {
			ui.fail(w, r, err)
			return
		}
		p, perr := ui.recipePage(w, r, v, rc.ID, rc.Versions[i].Number, att)
		if perr != nil {
			ui.fail(w, r, perr)
			return
		}
		ui.render(w, r, st, "recipe", p)
	})
}
