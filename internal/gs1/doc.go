// Package gs1 reads the GS1 barcode data on incoming goods, so that one scan
// at goods receiving fills the receiving form: the GTIN or SSCC, the lot,
// the dates and the net weight.
//
// Parse takes the three forms a scan arrives in:
//
//   - Element strings as a scanner sends them from a GS1-128, GS1 DataMatrix,
//     GS1 QR Code or GS1 DataBar symbol: an optional symbology identifier
//     ("]C1", "]d2", "]Q3", "]e0"), then AI and value after AI, with FNC1
//     sent as the ASCII group separator 0x1D after a variable-length value.
//   - The same data in the human-readable form with parentheses, as printed
//     under the bars or typed by hand: "(01)09501101530003(17)260731(10)AB-123".
//   - A GS1 Digital Link URI on any host, as a QR code carries it:
//     https://id.gs1.org/01/09506000134352/10/ABC123?17=261231&3103=000750.
//
// Data.String writes the human-readable form back, and Parse reads it to
// the same Data.
//
// # Glossary
//
//   - AI (application identifier): the two to four digits in front of a value
//     that say what the value is, e.g. (17) expiry date.
//   - Element string: one AI with its value.
//   - FNC1: the barcode's function character that separates a variable-length
//     value from the next AI; scanners transmit it as the group separator 0x1D.
//   - GTIN: Global Trade Item Number of the trade item (01) or of the items a
//     logistic unit contains (02); always 14 digits here.
//   - SSCC: Serial Shipping Container Code (00) of one logistic unit, a pallet.
//   - Lot: GS1 calls it "batch/lot" (10); Forkline says lot.
//   - Primary key and key qualifiers: in a Digital Link the path carries the
//     GTIN (01) and, in this order, the consumer product variant (22), lot (10)
//     and serial (21); other AIs go in the query string.
//
// # Rules
//
//   - The AIs read are 00, 01, 02, 10, 11, 13, 15, 17, 21, 22, 30, 37,
//     3100-3105 (net weight, kg) and 3200-3205 (net weight, lb). Any other AI
//     is refused with its number, never skipped: a scan must not fill half a
//     form silently. In a Digital Link query, parameters whose names are not
//     digits (utm_source, linkType) are not AIs and are ignored.
//   - A predefined-length value (00, 01, 02, the dates, 310n, 320n) runs on into
//     the next AI without FNC1; a variable-length value (10, 21, 22, 30, 37)
//     ends at FNC1 or at the end of the data, and longer than its maximum is
//     refused.
//   - Numeric AIs take digits only; 10, 21 and 22 take GS1 AI encodable
//     character set 82.
//   - GTIN and SSCC check digits are verified (mod 10).
//   - Dates are YYMMDD; DD 00 means the last day of the month. The century
//     slides with the today passed to Parse: from 49 years back to 50 years ahead.
//   - Net weight 310n and 320n has n decimals, read exactly into a
//     forkline.Quantity: (3103) 000750 is 0.750 kg.
//   - An AI given twice must have the same value; 310n given with two different n
//     is refused, as are the invalid pairs (01) with (02) and (01) with (37).
//     Mandatory associations (a lot needs a GTIN) are not checked, because a
//     logistic label spreads its data over several barcodes scanned one at a time.
//
// # Standards
//
//   - GS1 General Specifications, section 3 (GS1 Application Identifier
//     definitions and the GS1 AI table), section 5 (FNC1 and the GS1 data
//     carriers), section 7.9 (check digit calculation), Figure 7.11-1 (GS1 AI
//     encodable character set 82) and section 7.12 (determination of century
//     in dates).
//   - GS1 Barcode Syntax Resource: the GS1 Barcode Syntax Dictionary (AI
//     formats, "ex=" invalid pairs, Digital Link primary keys and qualifier
//     order) and its bracketed element string form, with "\(" for a "(" in a value.
//   - GS1 Digital Link Standard: URI Syntax (path-encoded primary key and key
//     qualifiers, query-string attributes, percent-encoding per RFC 3986,
//     GTIN-8, -12 and -13 padded to 14 digits).
//   - ISO/IEC 15424: symbology identifiers ("]C1" GS1-128, "]d2" GS1
//     DataMatrix, "]Q3" GS1 QR Code, "]e0" GS1 DataBar; "]Q1" and "]d1" for a
//     Digital Link in a plain QR Code or Data Matrix).
package gs1
