// Package b2mml exchanges production orders with an ERP in B2MML, MESA
// International's XML schemas for ANSI/ISA-95 (IEC 62264) Part 5
// business-to-manufacturing transactions. "The Business To Manufacturing
// Markup Language (B2MML) is used courtesy of MESA International."
//
// Two versions are spoken, because ERP adapters speak both:
//
//   - V0600 (ISA-95.00.02-2010), namespace http://www.mesa.org/xml/B2MML-V0600:
//     ProductionSchedule in, ProductionPerformance out.
//   - V0701 (ISA-95.00.02-2018), namespace http://www.mesa.org/xml/B2MML:
//     OperationsSchedule in, OperationsPerformance out, both of OperationsType
//     Production (V07 dropped the separate Production schemas).
//
// The package is an adapter with its own neutral types, Schedule and
// Performance: the production capability converts them to and from its
// orders. It reads and writes the business content only; the BOD wrappers
// (ProcessProductionSchedule, SyncProductionPerformance, ...) are not read.
//
// # Glossary
//
//   - Production request (V0600) / operations request (V0701): one order the
//     ERP asks for. Its ID is the order number.
//   - Segment requirement: a step of the request; segments nest. The segment
//     that requires the produced material is the producing segment.
//   - Material definition ID: ISA-95's name for an item code.
//   - Hierarchy scope: where in the ISA-95 equipment hierarchy (enterprise,
//     site, area, work center, work unit) something applies. A line is a work
//     center: ProductionLine, ProcessCell, ProductionUnit or WorkCenter.
//   - Performance / response / actual: what was really done, the answer to
//     a schedule / request / requirement.
//
// # Import mapping
//
//	ScheduledOrder  V0600 ProductionSchedule            V0701 OperationsSchedule
//	ID              ProductionRequest/ID                OperationsRequest/ID
//	ItemCode        MaterialProducedRequirement/        MaterialRequirement[MaterialUse=Produced]/
//	                  MaterialDefinitionID (or a          MaterialDefinitionID
//	                  MaterialRequirement with
//	                  MaterialUse Produced)
//	Quantity, UoM   .../Quantity/QuantityString and UnitOfMeasure (the first Quantity)
//	PlannedStart    request StartTime, else EarliestStartTime of the producing segment or one
//	                it is nested in
//	PlannedEnd      request EndTime, else LatestEndTime, likewise
//	EquipmentID     EquipmentRequirement/EquipmentID of the producing segment (or one it is
//	                nested in), else the deepest work center in their HierarchyScope, else in
//	                the request's HierarchyScope (V0600 also its deprecated Location), else ""
//	ERPReference    the value of the parameter with ID "ERPReference" in any segment
//	                (V0600 ProductionParameter/Parameter, V0701 SegmentParameter), else the ID
//	Priority        request Priority, a whole number
//	Description     the first request Description
//
// # Rules of the import
//
//   - A bad document is refused whole, never imported in part: every fault is
//     listed as a FieldProblem whose Field is the element path, with an index
//     where an element repeats, e.g.
//     "ProductionSchedule/ProductionRequest[2]/SegmentRequirement/MaterialProducedRequirement/Quantity/QuantityString".
//   - An order makes one item: a request must name exactly one produced
//     material. Consumed materials are not read (the recipe decides them);
//     by-products and co-products are not read either.
//   - Quantities are plain decimals ("612.5"), read exactly with
//     forkline.ParseDecimal into the canonical form; more than six decimal
//     places, exponents and zero or negative amounts are refused. The unit is
//     passed on as written: mapping it to a forkline.Unit is the caller's.
//   - Times are xs:dateTime and must carry a zone (Z or an offset); they are
//     returned in UTC. End must be after start.
//   - Order numbers are unique in a schedule. In V0701, a request (or schedule)
//     whose OperationsType is other than Production is refused, because
//     importing a maintenance request as a production order would be wrong.
//   - The importer checks what Forkline needs, not the whole schema: element
//     order and elements Forkline does not use are not checked. An element
//     Forkline reads that sits in another namespace (a missing prefix, say)
//     is refused, not skipped. The tests prove the examples valid against the
//     official XSDs with xmllint.
//   - Outside data is bounded: 16 MiB, 64 levels of nesting, UTF-8 or
//     ISO-8859-1, at most 50 problems listed. encoding/xml expands no
//     external entities.
//
// # Export mapping
//
// A Performance becomes one response with one segment response, state
// Completed: ProductionResponse/SegmentResponse (V0600) or
// OperationsResponse/SegmentResponse (V0701). The request ID is the order
// number; produced lots are MaterialProducedActual (V0600) or MaterialActual
// with MaterialUse Produced (V0701), consumed lots likewise; quantities carry
// DataType decimal. The line is an EquipmentActual. Process values, and the
// ERP reference as the data element "ERPReference", are ProductionData
// (V0600) or SegmentData (V0701). The output is valid against
// B2MML-V0600-ProductionPerformance.xsd and B2MML-OperationsPerformance.xsd,
// which V0701 requires an ID on every actual for: "produced-1", "consumed-1",
// the line's own ID.
package b2mml
