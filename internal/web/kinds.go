package web

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/forkline/forkline"
	"github.com/forkline/forkline/internal/plant"
)

// masterKinds returns the kinds of master record, in the order the
// navigation shows them: what the plant handles first, then where.
func (ui *UI) masterKinds() []masterKind {
	return []masterKind{
		ui.items(), ui.suppliers(), ui.customers(), ui.locations(),
		ui.lines(), ui.areas(), ui.equipment(), ui.sites(),
	}
}

var (
	itemKindOptions = fixed(
		option{string(plant.Raw), "Raw material"},
		option{string(plant.Ingredient), "Ingredient"},
		option{string(plant.Packaging), "Packaging"},
		option{string(plant.WIP), "Work in progress"},
		option{string(plant.Finished), "Finished good"},
	)
	conditionOptions = fixed(
		option{string(plant.Ambient), "Ambient"},
		option{string(plant.Chilled), "Chilled"},
		option{string(plant.Frozen), "Frozen"},
	)
	baseUnitOptions = fixed(
		option{string(forkline.Kilogram), "kg · kilogram"},
		option{string(forkline.Gram), "g · gram"},
		option{string(forkline.Pound), "lb · pound"},
		option{string(forkline.Ounce), "oz · ounce"},
		option{string(forkline.Liter), "L · litre"},
		option{string(forkline.Milliliter), "mL · millilitre"},
		option{string(forkline.Each), "ea · each (count)"},
	)
	locationKindOptions = fixed(
		option{string(plant.Warehouse), "Warehouse"},
		option{string(plant.Dock), "Dock"},
		option{string(plant.LineSide), "Line-side"},
		option{string(plant.Quarantine), "Quarantine"},
	)
	approvalOptions = fixed(
		option{string(plant.Pending), "Pending"},
		option{string(plant.Approved), "Approved"},
		option{string(plant.Conditional), "Conditional"},
		option{string(plant.Suspended), "Suspended"},
		option{string(plant.Disqualified), "Disqualified"},
	)
)

func allergenOptions() []option {
	var out []option
	for _, a := range plant.Allergens() {
		label := a.Name
		if !a.US {
			label += " (EU)"
		}
		out = append(out, option{string(a.Allergen), label})
	}
	return out
}

func yesBlank(b bool) string {
	if b {
		return "Yes"
	}
	return ""
}

func (ui *UI) items() *kind[plant.Item, *plant.Item] {
	allergens := allergenOptions()
	allergenName := func(a plant.Allergen) string {
		for _, o := range allergens {
			if o.Value == string(a) {
				return o.Label
			}
		}
		return string(a)
	}
	return &kind[plant.Item, *plant.Item]{
		kindInfo: kindInfo{Path: "items", One: "item", Title: "Item", Titles: "Items", Entity: ui.cfg.Plant.Items.Entity()},
		ui:       ui, cat: ui.cfg.Plant.Items, csv: &plant.ItemCSV, siteScoped: true, createPerm: forkline.PermMasterWrite,
		csvSample: "code,name,kind,base_unit,condition,shelf_life_days,allergens,gtin,pack_sizes,traceability_list,inspect_on_receipt\n" +
			"FLOUR-T55,Wheat flour T55,ingredient,kg,ambient,365,wheat,,,no,yes\n" +
			"MILK-WH,Whole milk,raw,L,chilled,7,milk,,,yes,yes\n" +
			"BOX-12,Shipping carton 12x,packaging,ea,ambient,0,,04006381333931,case=12 ea,no,no",
		sections: []section[plant.Item]{
			{title: "Identification", inputs: append(codeName[plant.Item]("Unique on this site, without spaces, e.g. FLOUR-T55.", "e.g. Wheat flour T55"),
				choiceInput("kind", "Kind", func(it *plant.Item) *plant.ItemKind { return &it.Kind }, itemKindOptions).required(),
				textInput("gtin", "GTIN", func(it *plant.Item) *string { return &it.GTIN }).
					withHint("Optional. 8, 12, 13 or 14 digits with the GS1 check digit, as on the barcode.").as("numeric"),
			)},
			{title: "Units and storage", inputs: []input[plant.Item]{
				choiceInput("baseUnit", "Base unit", func(it *plant.Item) *forkline.Unit { return &it.BaseUnit }, baseUnitOptions).required().immutable().
					withHint("Stock is counted in this unit. It cannot change once the item exists."),
				{name: "packSizes", label: "Pack sizes", typ: "text", entry: "Pack size", placeholder: "e.g. case=12 ea; pallet=60 case",
					hint: "Optional. What one case or pallet holds, separated by semicolons.",
					get: func(it *plant.Item) []string {
						var parts []string
						for _, ps := range it.PackSizes {
							parts = append(parts, string(ps.Unit)+"="+ps.Contents.String())
						}
						return []string{strings.Join(parts, "; ")}
					},
					set: func(it *plant.Item, v []string) error {
						ps, err := plant.ParsePackSizes(first(v))
						if err != nil {
							return errors.New(forkline.ErrorMessage(err))
						}
						it.PackSizes = ps
						return nil
					}},
				choiceInput("condition", "Storage condition", func(it *plant.Item) *plant.StorageCondition { return &it.Condition }, conditionOptions).required().
					withHint("Chilled is 0 to 5 °C; frozen is −18 °C or colder."),
				numberInput("shelfLifeDays", "Shelf life (days)", func(it *plant.Item) *int { return &it.ShelfLifeDays }).
					withHint("0 means no expiry date is assigned to lots."),
			}},
			{title: "Food safety", inputs: []input[plant.Item]{
				{name: "allergens", label: "Allergens", typ: "checks", hint: "Tick every allergen the item contains. (EU) marks allergens declared only in the EU.",
					options: fixed(allergens...),
					get: func(it *plant.Item) []string {
						var out []string
						for _, a := range it.Allergens {
							out = append(out, string(a))
						}
						return out
					},
					set: func(it *plant.Item, v []string) error {
						it.Allergens = nil
						for _, a := range v {
							it.Allergens = append(it.Allergens, plant.Allergen(a))
						}
						return nil
					}},
				flagInput("traceabilityList", "Food Traceability List (FSMA 204)", func(it *plant.Item) *bool { return &it.TraceabilityList }).
					withHint("On FDA's Food Traceability List: every receipt, transformation and shipment records the FSMA 204 key data elements."),
				flagInput("inspectOnReceipt", "Inspect on receipt", func(it *plant.Item) *bool { return &it.InspectOnReceipt }).
					withHint("Received lots wait in quarantine until quality releases them."),
			}},
		},
		columns: []column[plant.Item]{
			{header: "Kind", input: "kind"},
			{header: "Unit", cell: func(it plant.Item) string { return string(it.BaseUnit) }},
			{header: "Storage", input: "condition"},
			{header: "Allergens", wrap: true, cell: func(it plant.Item) string {
				var names []string
				for _, a := range it.Allergens {
					names = append(names, allergenName(a))
				}
				return strings.Join(names, ", ")
			}},
			{header: "FTL", cell: func(it plant.Item) string { return yesBlank(it.TraceabilityList) }},
		},
	}
}

func (ui *UI) suppliers() *kind[plant.Supplier, *plant.Supplier] {
	return &kind[plant.Supplier, *plant.Supplier]{
		kindInfo: kindInfo{Path: "suppliers", One: "supplier", Title: "Supplier", Titles: "Suppliers", Entity: ui.cfg.Plant.Suppliers.Entity()},
		ui:       ui, cat: ui.cfg.Plant.Suppliers, csv: &plant.SupplierCSV, siteScoped: true, createPerm: forkline.PermMasterWrite,
		csvSample: "code,name,approval,contact_email,address\n" +
			"MILLCO,Mill & Co. Flour,pending,qa@millco.example,1 Mill Road\n" +
			"DAIRYFARM,Green Valley Dairy,pending,quality@gvd.example,",
		sections: []section[plant.Supplier]{
			{title: "Identification", inputs: codeName[plant.Supplier]("Unique on this site, without spaces, e.g. MILLCO.", "e.g. Mill & Co. Flour")},
			{title: "Approval", inputs: []input[plant.Supplier]{
				choiceInput("approval", "Approval status", func(s *plant.Supplier) *plant.ApprovalStatus { return &s.Approval }, approvalOptions).
					required().withPerm(forkline.PermSupplierApprove).withDefault(string(plant.Pending)).
					withHint("Only quality may change the approval status. Material is received without an override only from approved and conditional suppliers."),
			}},
			{title: "Contact", inputs: []input[plant.Supplier]{
				textInput("contactEmail", "Contact e-mail", func(s *plant.Supplier) *string { return &s.ContactEmail }).as("email").withPlaceholder("qa@supplier.example"),
				textInput("address", "Address", func(s *plant.Supplier) *string { return &s.Address }).as("textarea").withHint("Postal address of the supplier."),
			}},
		},
		columns: []column[plant.Supplier]{
			{header: "Approval", input: "approval", badge: func(s plant.Supplier) string {
				switch s.Approval {
				case plant.Approved:
					return "ok"
				case plant.Conditional:
					return "warn"
				case plant.Pending:
					return "info"
				}
				return "danger"
			}},
			{header: "Contact", wrap: true, cell: func(s plant.Supplier) string { return s.ContactEmail }},
		},
	}
}

// shipToInput edits a customer's ship-to addresses, one per line.
func shipToInput() input[plant.Customer] {
	return input[plant.Customer]{name: "shipTos", label: "Ship-to addresses", typ: "textarea", entry: "Ship-to line",
		hint:        "One per line: code | name | address, and optionally | GLN (13 digits).",
		placeholder: "DC-EAST | East distribution centre | 12 Harbour Road, Newark NJ",
		get: func(c *plant.Customer) []string {
			var out []string
			for _, s := range c.ShipTos {
				line := s.Code + " | " + s.Name + " | " + s.Address
				if s.GLN != "" {
					line += " | " + s.GLN
				}
				out = append(out, line)
			}
			return out
		},
		set: func(c *plant.Customer, v []string) error {
			var out []plant.ShipTo
			n := 0
			for _, line := range strings.Split(strings.Join(v, "\n"), "\n") {
				if strings.TrimSpace(line) == "" {
					continue
				}
				n++
				f := strings.Split(line, "|")
				if len(f) != 3 && len(f) != 4 {
					return fmt.Errorf("ship-to line %d must be code | name | address, optionally followed by | GLN", n)
				}
				s := plant.ShipTo{Code: strings.TrimSpace(f[0]), Name: strings.TrimSpace(f[1]), Address: strings.TrimSpace(f[2])}
				if len(f) == 4 {
					s.GLN = strings.TrimSpace(f[3])
				}
				out = append(out, s)
			}
			c.ShipTos = out
			return nil
		}}
}

func (ui *UI) customers() *kind[plant.Customer, *plant.Customer] {
	return &kind[plant.Customer, *plant.Customer]{
		kindInfo: kindInfo{Path: "customers", One: "customer", Title: "Customer", Titles: "Customers", Entity: ui.cfg.Plant.Customers.Entity()},
		ui:       ui, cat: ui.cfg.Plant.Customers, csv: &plant.CustomerCSV, siteScoped: true, createPerm: forkline.PermMasterWrite,
		csvSample: "code,name,min_shelf_life_days,contact_email,ship_to\n" +
			"FRESHMART,FreshMart Stores,5,orders@freshmart.example,DC1|FreshMart DC North|7 Depot Lane",
		sections: []section[plant.Customer]{
			{title: "Identification", inputs: codeName[plant.Customer]("Unique on this site, without spaces, e.g. FRESHMART.", "e.g. FreshMart Stores")},
			{title: "Shipping", inputs: []input[plant.Customer]{
				numberInput("minShelfLifeDays", "Minimum shelf life on delivery (days)", func(c *plant.Customer) *int { return &c.MinShelfLifeDays }).
					withHint("Lots shipped to this customer must have at least this many days left."),
				textInput("contactEmail", "Contact e-mail", func(c *plant.Customer) *string { return &c.ContactEmail }).as("email").withPlaceholder("orders@customer.example"),
				shipToInput(),
			}},
		},
		columns: []column[plant.Customer]{
			{header: "Min. shelf life", cell: func(c plant.Customer) string {
				if c.MinShelfLifeDays == 0 {
					return ""
				}
				return strconv.Itoa(c.MinShelfLifeDays) + " days"
			}},
			{header: "Ship-to", cell: func(c plant.Customer) string {
				if len(c.ShipTos) == 0 {
					return ""
				}
				return strconv.Itoa(len(c.ShipTos))
			}},
			{header: "Contact", cell: func(c plant.Customer) string { return c.ContactEmail }},
		},
	}
}

func (ui *UI) locations() *kind[plant.Location, *plant.Location] {
	return &kind[plant.Location, *plant.Location]{
		kindInfo: kindInfo{Path: "locations", One: "location", Title: "Location", Titles: "Locations", Entity: ui.cfg.Plant.Locations.Entity()},
		ui:       ui, cat: ui.cfg.Plant.Locations, csv: &plant.LocationCSV, siteScoped: true, createPerm: forkline.PermMasterWrite,
		csvSample: "code,name,kind,condition\nCOOLER-1,Cooler 1,warehouse,chilled\nQ-CAGE,Quarantine cage,quarantine,ambient",
		sections: []section[plant.Location]{
			{title: "Identification", inputs: codeName[plant.Location]("Unique on this site, without spaces, e.g. COOLER-1.", "e.g. Cooler 1")},
			{title: "Use and storage", inputs: []input[plant.Location]{
				choiceInput("kind", "Kind", func(l *plant.Location) *plant.LocationKind { return &l.Kind }, locationKindOptions).required().
					withHint("Quarantine locations hold lots that may not be used."),
				choiceInput("condition", "Storage condition", func(l *plant.Location) *plant.StorageCondition { return &l.Condition }, conditionOptions).required().
					withHint("Chilled is 0 to 5 °C; frozen is −18 °C or colder."),
			}},
		},
		columns: []column[plant.Location]{
			{header: "Kind", input: "kind"},
			{header: "Storage", input: "condition"},
		},
	}
}

func (ui *UI) areas() *kind[plant.Area, *plant.Area] {
	return &kind[plant.Area, *plant.Area]{
		kindInfo: kindInfo{Path: "areas", One: "area", Title: "Area", Titles: "Areas", Entity: ui.cfg.Plant.Areas.Entity()},
		ui:       ui, cat: ui.cfg.Plant.Areas, csv: &plant.AreaCSV, siteScoped: true, createPerm: forkline.PermMasterWrite,
		csvSample: "code,name\nRECV,Raw-material receiving\nPACK,Packing hall",
		sections: []section[plant.Area]{
			{title: "Identification", inputs: codeName[plant.Area]("Unique on this site, without spaces, e.g. PACK.", "e.g. Packing hall")},
		},
	}
}

func (ui *UI) lines() *kind[plant.Line, *plant.Line] {
	return &kind[plant.Line, *plant.Line]{
		kindInfo: kindInfo{Path: "lines", One: "line", Title: "Line", Titles: "Lines", Entity: ui.cfg.Plant.Lines.Entity()},
		ui:       ui, cat: ui.cfg.Plant.Lines, siteScoped: true, createPerm: forkline.PermMasterWrite,
		sections: []section[plant.Line]{
			{title: "Identification", inputs: codeName[plant.Line]("Unique on this site, without spaces, e.g. L1.", "e.g. Bread line 1")},
			{title: "Place", inputs: []input[plant.Line]{
				choiceInput("areaId", "Area", func(l *plant.Line) *forkline.ID { return &l.AreaID }, refOptions[plant.Area, *plant.Area](ui.cfg.Plant.Areas)).
					required().withPlaceholder("Choose an area…"),
			}},
		},
		columns: []column[plant.Line]{{header: "Area", input: "areaId"}},
	}
}

func (ui *UI) equipment() *kind[plant.Equipment, *plant.Equipment] {
	return &kind[plant.Equipment, *plant.Equipment]{
		kindInfo: kindInfo{Path: "equipment", One: "equipment", Title: "Equipment", Titles: "Equipment", Entity: ui.cfg.Plant.Equipment.Entity()},
		ui:       ui, cat: ui.cfg.Plant.Equipment, siteScoped: true, createPerm: forkline.PermMasterWrite,
		sections: []section[plant.Equipment]{
			{title: "Identification", inputs: codeName[plant.Equipment]("Unique on this site, without spaces, e.g. OVEN-2.", "e.g. Tunnel oven 2")},
			{title: "Place and make", inputs: []input[plant.Equipment]{
				choiceInput("lineId", "Line", func(e *plant.Equipment) *forkline.ID { return &e.LineID }, refOptions[plant.Line, *plant.Line](ui.cfg.Plant.Lines)).
					withPlaceholder("Not on a line"),
				textInput("manufacturer", "Manufacturer", func(e *plant.Equipment) *string { return &e.Manufacturer }),
				textInput("model", "Model", func(e *plant.Equipment) *string { return &e.Model }),
				textInput("serialNumber", "Serial number", func(e *plant.Equipment) *string { return &e.SerialNumber }),
			}},
		},
		columns: []column[plant.Equipment]{
			{header: "Line", input: "lineId"},
			{header: "Manufacturer", cell: func(e plant.Equipment) string { return e.Manufacturer }},
			{header: "Model", cell: func(e plant.Equipment) string { return e.Model }},
		},
	}
}

func (ui *UI) sites() *kind[plant.Site, *plant.Site] {
	return &kind[plant.Site, *plant.Site]{
		kindInfo: kindInfo{Path: "sites", One: "site", Title: "Site", Titles: "Sites", Entity: ui.cfg.Plant.Sites.Entity()},
		ui:       ui, cat: ui.cfg.Plant.Sites, siteScoped: false, createPerm: forkline.PermUsersManage,
		sections: []section[plant.Site]{
			{title: "Identification", inputs: codeName[plant.Site]("Unique, without spaces, e.g. CHI-1.", "e.g. Chicago bakery")},
			{title: "Time", inputs: []input[plant.Site]{
				textInput("timeZone", "Time zone", func(s *plant.Site) *string { return &s.TimeZone }).required().
					withPlaceholder("e.g. America/Chicago").
					withHint("The IANA time zone of the plant. Shifts, production days and the times on every page use it.").
					withSuggestions("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Toronto",
						"America/Mexico_City", "America/Sao_Paulo", "Europe/London", "Europe/Dublin", "Europe/Paris", "Europe/Berlin",
						"Europe/Amsterdam", "Europe/Madrid", "Europe/Rome", "Europe/Warsaw", "Asia/Singapore", "Asia/Tokyo",
						"Australia/Sydney", "Pacific/Auckland", "UTC"),
			}},
			{title: "Lot codes", inputs: []input[plant.Site]{
				input[plant.Site]{name: "lotCodePattern", label: "Lot code pattern", typ: "text",
					get: func(s *plant.Site) []string { return []string{string(s.LotCodePattern)} },
					set: func(s *plant.Site, v []string) error {
						s.LotCodePattern = forkline.LotCodePattern(strings.TrimSpace(first(v)))
						return nil
					}}.withPlaceholder(string(forkline.DefaultLotCodePattern)).
					withHint("How this site makes lot codes: {SITE}, {ITEM}, {YYYY}, {YY}, {MM}, {DD}, {JJJ} (day of the year) and {SEQ} (required). Empty takes the default."),
			}},
		},
		columns: []column[plant.Site]{{header: "Time zone", cell: func(s plant.Site) string { return s.TimeZone }},
			{header: "Lot codes", cell: func(s plant.Site) string { return string(s.LotCodePattern) }}},
	}
}
