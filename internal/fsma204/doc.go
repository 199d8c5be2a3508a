// Package fsma204 writes FSMA 204 traceability records as FDA's electronic
// sortable spreadsheet (21 CFR 1.1455(c)(3)(ii)): an XLSX workbook with one
// sheet per critical tracking event, in the column layout of FDA's template
// (June 2024), and a single CSV that holds the same records, one row per
// record with a leading CTE column.
//
// The layout, per sheet (see shared/conformance/fsma204/README.md):
//
//	Receiving and Shipping  A TLC; B-C quantity and unit; D-I product description
//	                        (name, brand, commodity, variety, packaging size and style);
//	                        J-P previous source / recipient; Q-W receiving / ship-from
//	                        location (7 fields each: business name, phone, street or
//	                        coordinates, city, state or region, ZIP or postal code,
//	                        country); X date; Y-AE TLC source; AF TLC source reference;
//	                        AG-AJ two reference documents (type, number).
//	Transformation          A input TLC; B-G input product; H-I input quantity and unit;
//	                        J new TLC; K-Q transformation location (the TLC source);
//	                        R TLC source reference; S date completed; T-Y output product;
//	                        Z-AA output quantity and unit; AB-AE two reference documents.
//
// Dates are the site's calendar dates. Quantities are exact decimals.
//
// The header texts name the key data elements in our words: the column
// positions follow the template as the conformance README reproduces it,
// but FDA's workbook itself was not at hand to copy its exact header texts.
// Neither file has rows above its header row, so both sort and filter as
// they are. The records come from inventory.Service.TraceabilityRecords;
// this package only lays them out.
package fsma204
