package b2mml

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/forkline/forkline"
)

// Performance is what a completed production order really did: the lots it
// made and used, when, on which line, and the process values recorded.
type Performance struct {
	ID           string // the performance report's ID
	OrderID      string // the order number, as the ERP's request ID
	ERPReference string // written as the ERPReference data element when set
	ItemCode     string // the item made; a produced MaterialActual may override it
	Produced     []MaterialActual
	Consumed     []MaterialActual
	Start, End   time.Time
	EquipmentID  string // the line
	Parameters   []ParameterActual
}

// MaterialActual is one lot made or used, with its quantity as a plain
// decimal string ("12.5") and its unit.
type MaterialActual struct {
	ItemCode string // required for consumed material; defaults to Performance.ItemCode for produced
	LotID    string
	Quantity string
	Unit     string
}

// ParameterActual is one recorded process value, such as an oven temperature.
type ParameterActual struct {
	Name  string
	Value string
	Unit  string
}

// errPerformance is the message of an export refused for bad input.
const errPerformance = "The production performance cannot be written as B2MML."

// WriteProductionPerformance writes p as a B2MML V0600 ProductionPerformance
// with one ProductionResponse and one SegmentResponse, valid against
// B2MML-V0600-ProductionPerformance.xsd. A Performance that lacks what the
// ERP needs is refused with an Invalid *forkline.Error naming its fields.
func WriteProductionPerformance(w io.Writer, p Performance) error {
	c, err := p.check()
	if err != nil {
		return err
	}
	seg := segmentResponse0600{
		ID:              p.OrderID,
		ActualStartTime: formatDateTime(p.Start),
		ActualEndTime:   formatDateTime(p.End),
		Data:            c.data,
		SegmentState:    "Completed",
	}
	if p.EquipmentID != "" {
		seg.Equipment = &equipmentActual0600{EquipmentID: p.EquipmentID}
	}
	for _, m := range c.produced {
		seg.Produced = append(seg.Produced, material0600{ItemCode: m.ItemCode, LotID: m.LotID, Quantity: quantityOf(m)})
	}
	for _, m := range c.consumed {
		seg.Consumed = append(seg.Consumed, material0600{ItemCode: m.ItemCode, LotID: m.LotID, Quantity: quantityOf(m)})
	}
	doc := productionPerformance{
		ID:        p.ID,
		StartTime: formatDateTime(p.Start),
		EndTime:   formatDateTime(p.End),
		Response: productionResponse{
			ID:                  p.OrderID,
			ProductionRequestID: p.OrderID,
			StartTime:           formatDateTime(p.Start),
			EndTime:             formatDateTime(p.End),
			Segment:             seg,
			ResponseState:       "Completed",
		},
	}
	return encode(w, doc)
}

// WriteOperationsPerformance writes p as a B2MML V0701 OperationsPerformance
// of OperationsType Production with one OperationsResponse and one
// SegmentResponse, valid against B2MML-OperationsPerformance.xsd. Refusals
// are as for WriteProductionPerformance.
func WriteOperationsPerformance(w io.Writer, p Performance) error {
	c, err := p.check()
	if err != nil {
		return err
	}
	seg := segmentResponse0701{
		ID:              p.OrderID,
		ActualStartTime: formatDateTime(p.Start),
		ActualEndTime:   formatDateTime(p.End),
		OperationsType:  "Production",
		SegmentState:    "Completed",
		Data:            c.data,
	}
	if p.EquipmentID != "" {
		// V0701 gives each actual an ID; the line's own ID serves.
		seg.Equipment = &equipmentActual0701{ID: p.EquipmentID, EquipmentID: p.EquipmentID}
	}
	for i, m := range c.produced {
		seg.Materials = append(seg.Materials, material0701{ID: fmt.Sprintf("produced-%d", i+1),
			ItemCode: m.ItemCode, LotID: m.LotID, Use: "Produced", Quantity: quantityOf(m)})
	}
	for i, m := range c.consumed {
		seg.Materials = append(seg.Materials, material0701{ID: fmt.Sprintf("consumed-%d", i+1),
			ItemCode: m.ItemCode, LotID: m.LotID, Use: "Consumed", Quantity: quantityOf(m)})
	}
	doc := operationsPerformance{
		ID:               p.ID,
		OperationsType:   "Production",
		PerformanceState: "Completed",
		Response: operationsResponse{
			ID:                  p.OrderID,
			StartTime:           formatDateTime(p.Start),
			EndTime:             formatDateTime(p.End),
			OperationsType:      "Production",
			OperationsRequestID: p.OrderID,
			ResponseState:       "Completed",
			Segment:             seg,
		},
	}
	return encode(w, doc)
}

func encode(w io.Writer, doc any) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("write b2mml: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write b2mml: %w", err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("write b2mml: %w", err)
	}
	return nil
}

// checked is a Performance made ready to write: quantities canonical,
// produced item codes filled in, data elements gathered.
type checked struct {
	produced, consumed []MaterialActual
	data               []dataElement
}

// check validates p for export. Field names are the Go field names, with
// 1-based indexes as in the XML: "Produced[1].Quantity".
func (p Performance) check() (checked, error) {
	var probs forkline.Problems
	ident := func(field, value string, required bool) {
		switch {
		case required && strings.TrimSpace(value) == "":
			probs.Add(field, "required", field+" is required")
		case !identifierChars(value):
			probs.Add(field, "character", field+" must be text without control characters")
		}
	}
	ident("ID", p.ID, true)
	ident("OrderID", p.OrderID, true)
	ident("ItemCode", p.ItemCode, true)
	ident("EquipmentID", p.EquipmentID, false)
	ident("ERPReference", p.ERPReference, false)
	when := func(field string, t time.Time) {
		switch {
		case t.IsZero():
			probs.Add(field, "required", field+" is required")
		case t.UTC().Year() < 1 || t.UTC().Year() > 9999:
			probs.Add(field, "date", field+" must lie in the years 0001 to 9999")
		}
	}
	when("Start", p.Start)
	when("End", p.End)
	if !p.Start.IsZero() && !p.End.IsZero() && p.End.Before(p.Start) {
		probs.Add("End", "after_start", "End must not be before Start")
	}
	var c checked
	material := func(list string, i int, m MaterialActual) MaterialActual {
		f := fmt.Sprintf("%s[%d].", list, i+1)
		if list == "Produced" && m.ItemCode == "" {
			m.ItemCode = p.ItemCode
		}
		ident(f+"ItemCode", m.ItemCode, true)
		ident(f+"LotID", m.LotID, true)
		ident(f+"Unit", m.Unit, true)
		micros, err := forkline.ParseDecimal(m.Quantity)
		switch {
		case strings.TrimSpace(m.Quantity) == "":
			probs.Add(f+"Quantity", "required", f+"Quantity is required")
		case err != nil:
			probs.Add(f+"Quantity", "number", f+"Quantity: "+forkline.ErrorMessage(err))
		case micros < 0:
			probs.Add(f+"Quantity", "not_negative", f+"Quantity must not be negative")
		default:
			m.Quantity = forkline.FormatDecimal(micros)
		}
		return m
	}
	for i, m := range p.Produced {
		c.produced = append(c.produced, material("Produced", i, m))
	}
	for i, m := range p.Consumed {
		c.consumed = append(c.consumed, material("Consumed", i, m))
	}
	if p.ERPReference != "" {
		c.data = append(c.data, dataElement{ID: ERPReferenceParameter, Value: value{String: p.ERPReference, DataType: "string"}})
	}
	for i, prm := range p.Parameters {
		f := fmt.Sprintf("Parameters[%d].", i+1)
		ident(f+"Name", prm.Name, true)
		ident(f+"Unit", prm.Unit, false)
		if strings.EqualFold(strings.TrimSpace(prm.Name), ERPReferenceParameter) {
			probs.Add(f+"Name", "reserved", f+"Name "+ERPReferenceParameter+" is reserved for the ERP reference")
		}
		if !textChars(prm.Value) {
			probs.Add(f+"Value", "character", f+"Value must be text without control characters")
		}
		dt := "string"
		if _, err := forkline.ParseDecimal(prm.Value); err == nil {
			dt = "decimal"
		}
		c.data = append(c.data, dataElement{ID: prm.Name, Value: value{String: prm.Value, DataType: dt, Unit: prm.Unit}})
	}
	if err := probs.Err(errPerformance); err != nil {
		return checked{}, err
	}
	return c, nil
}

// identifierChars reports whether s fits an IdentifierType or CodeType
// (xs:normalizedString): readers replace tabs and line breaks by spaces,
// so a lot code with them would not come back the same, and XML 1.0
// cannot carry other control characters at all.
func identifierChars(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7F || r == 0xFFFE || r == 0xFFFF {
			return false
		}
	}
	return true
}

// textChars reports whether s is made of XML 1.0 characters.
func textChars(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0xFFFE || r == 0xFFFF {
			return false
		}
	}
	return true
}

func quantityOf(m MaterialActual) quantityValue {
	return quantityValue{String: m.Quantity, DataType: "decimal", Unit: m.Unit}
}

// The wire types follow the element order of the XSD sequences; elements
// the schemas require come without omitempty.

type quantityValue struct {
	String   string `xml:"QuantityString"`
	DataType string `xml:"DataType"`
	Unit     string `xml:"UnitOfMeasure"`
}

type value struct {
	String   string `xml:"ValueString"`
	DataType string `xml:"DataType,omitempty"`
	Unit     string `xml:"UnitOfMeasure,omitempty"`
}

// dataElement is a V0600 ProductionData or a V0701 SegmentData.
type dataElement struct {
	ID    string `xml:"ID"`
	Value value  `xml:"Value"`
}

type productionPerformance struct {
	XMLName   xml.Name           `xml:"http://www.mesa.org/xml/B2MML-V0600 ProductionPerformance"`
	ID        string             `xml:"ID"`
	StartTime string             `xml:"StartTime"`
	EndTime   string             `xml:"EndTime"`
	Response  productionResponse `xml:"ProductionResponse"`
}

type productionResponse struct {
	ID                  string              `xml:"ID"`
	ProductionRequestID string              `xml:"ProductionRequestID"`
	StartTime           string              `xml:"StartTime"`
	EndTime             string              `xml:"EndTime"`
	Segment             segmentResponse0600 `xml:"SegmentResponse"`
	ResponseState       string              `xml:"ResponseState"`
}

type segmentResponse0600 struct {
	ID              string               `xml:"ID"`
	ActualStartTime string               `xml:"ActualStartTime"`
	ActualEndTime   string               `xml:"ActualEndTime"`
	Data            []dataElement        `xml:"ProductionData"`
	Equipment       *equipmentActual0600 `xml:"EquipmentActual"`
	Produced        []material0600       `xml:"MaterialProducedActual"`
	Consumed        []material0600       `xml:"MaterialConsumedActual"`
	SegmentState    string               `xml:"SegmentState"`
}

type equipmentActual0600 struct {
	EquipmentID string `xml:"EquipmentID"`
}

type material0600 struct {
	ItemCode string        `xml:"MaterialDefinitionID"`
	LotID    string        `xml:"MaterialLotID"`
	Quantity quantityValue `xml:"Quantity"`
}

type operationsPerformance struct {
	XMLName          xml.Name           `xml:"http://www.mesa.org/xml/B2MML OperationsPerformance"`
	ID               string             `xml:"ID"`
	OperationsType   string             `xml:"OperationsType"`
	PerformanceState string             `xml:"PerformanceState"`
	Response         operationsResponse `xml:"OperationsResponse"`
}

type operationsResponse struct {
	ID                  string              `xml:"ID"`
	StartTime           string              `xml:"StartTime"`
	EndTime             string              `xml:"EndTime"`
	OperationsType      string              `xml:"OperationsType"`
	OperationsRequestID string              `xml:"OperationsRequestID"`
	ResponseState       string              `xml:"ResponseState"`
	Segment             segmentResponse0701 `xml:"SegmentResponse"`
}

type segmentResponse0701 struct {
	ID              string               `xml:"ID"`
	ActualStartTime string               `xml:"ActualStartTime"`
	ActualEndTime   string               `xml:"ActualEndTime"`
	OperationsType  string               `xml:"OperationsType"`
	SegmentState    string               `xml:"SegmentState"`
	Data            []dataElement        `xml:"SegmentData"`
	Equipment       *equipmentActual0701 `xml:"EquipmentActual"`
	Materials       []material0701       `xml:"MaterialActual"`
}

type equipmentActual0701 struct {
	ID          string `xml:"ID"`
	EquipmentID string `xml:"EquipmentID"`
}

type material0701 struct {
	ID       string        `xml:"ID"`
	ItemCode string        `xml:"MaterialDefinitionID"`
	LotID    string        `xml:"MaterialLotID"`
	Use      string        `xml:"MaterialUse"`
	Quantity quantityValue `xml:"Quantity"`
}
