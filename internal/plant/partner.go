package plant

import (
	"fmt"
	"net/mail"
	"slices"

	"github.com/forkline/forkline"
)

// ApprovalStatus is where a supplier stands in the supplier approval program
// (FSMA Preventive Controls 21 CFR 117 subpart G; GFSI schemes).
type ApprovalStatus string

// The approval statuses. Only approved and conditional suppliers may deliver
// without a quality override.
const (
	Pending      ApprovalStatus = "pending"
	Approved     ApprovalStatus = "approved"
	Conditional  ApprovalStatus = "conditional"
	Suspended    ApprovalStatus = "suspended"
	Disqualified ApprovalStatus = "disqualified"
)

// ApprovalStatuses lists every approval status.
func ApprovalStatuses() []ApprovalStatus {
	return []ApprovalStatus{Pending, Approved, Conditional, Suspended, Disqualified}
}

// MayDeliver reports whether material from a supplier in this status may be received without an override.
func (s ApprovalStatus) MayDeliver() bool { return s == Approved || s == Conditional }

// Supplier sells material to the site.
type Supplier struct {
	Record
	Approval     ApprovalStatus
	ContactEmail string
	Address      string
}

// Validate checks the supplier's own fields.
func (s Supplier) Validate() error {
	var p forkline.Problems
	s.Record.validate(&p)
	if !slices.Contains(ApprovalStatuses(), s.Approval) {
		p.Add("approval", "one_of", "approval must be one of pending, approved, conditional, suspended, disqualified")
	}
	validEmail(&p, "contactEmail", s.ContactEmail)
	p.MaxLen("address", s.Address, 500)
	return p.Err("The supplier is not valid.")
}

func validEmail(p *forkline.Problems, field, s string) {
	if s == "" {
		return
	}
	if a, err := mail.ParseAddress(s); err != nil || a.Address != s {
		p.Add(field, "email", field+" must be an e-mail address such as qa@example.com")
	}
}

// ShipTo is one delivery address of a customer.
type ShipTo struct {
	ID      forkline.ID
	Code    string // unique within the customer
	Name    string
	Address string
	GLN     string // optional GS1 Global Location Number, 13 digits
}

// Customer buys finished goods from the site.
type Customer struct {
	Record
	MinShelfLifeDays int // shipments must leave at least this many days of shelf life
	ContactEmail     string
	ShipTos          []ShipTo
}

// Validate checks the customer's own fields and ship-to locations.
func (c Customer) Validate() error {
	var p forkline.Problems
	c.Record.validate(&p)
	if c.MinShelfLifeDays < 0 || c.MinShelfLifeDays > 3650 {
		p.Add("minShelfLifeDays", "range", "minShelfLifeDays must be between 0 and 3650")
	}
	validEmail(&p, "contactEmail", c.ContactEmail)
	for i, s := range c.ShipTos {
		f := fmt.Sprintf("shipTos[%d].", i)
		p.Required(f+"code", s.Code)
		p.Required(f+"name", s.Name)
		p.Required(f+"address", s.Address)
		if slices.IndexFunc(c.ShipTos[:i], func(o ShipTo) bool { return o.Code == s.Code }) >= 0 {
			p.Add(f+"code", "unique", fmt.Sprintf("ship-to code %q is given twice", s.Code))
		}
		if s.GLN != "" {
			if err := ValidateGTIN(s.GLN); len(s.GLN) != 13 || err != nil {
				p.Add(f+"gln", "check_digit", "gln must be 13 digits with a valid GS1 check digit")
			}
		}
	}
	return p.Err("The customer is not valid.")
}
