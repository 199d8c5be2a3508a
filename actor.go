package forkline

import (
	"context"
	"slices"
)

// Role is a job a person or system does at a site. Roles are granted per site.
type Role string

// The roles.
const (
	RoleOperator    Role = "operator"
	RoleSupervisor  Role = "supervisor"
	RoleQuality     Role = "quality"
	RoleMaintenance Role = "maintenance"
	RolePlanner     Role = "planner"
	RoleManager     Role = "manager"
	RoleAdmin       Role = "admin"
	RoleAuditor     Role = "auditor" // read-only, including the audit trail
	RoleIntegration Role = "integration"
)

// Roles lists every role in a stable order.
func Roles() []Role {
	return []Role{RoleOperator, RoleSupervisor, RoleQuality, RoleMaintenance, RolePlanner,
		RoleManager, RoleAdmin, RoleAuditor, RoleIntegration}
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles(), r) }

// Permission is the right to do one kind of thing. Every route declares the
// permission it needs.
type Permission string

// The permissions.
const (
	PermMasterRead      Permission = "master.read"      // read plant master data
	PermMasterWrite     Permission = "master.write"     // create, change and disable plant master data
	PermSupplierApprove Permission = "supplier.approve" // change a supplier's approval status
	PermAuditRead       Permission = "audit.read"       // read the audit trail
	PermUsersManage     Permission = "users.manage"     // create users, grant roles, reset passwords
	PermTokensManage    Permission = "tokens.manage"    // create and revoke API tokens

	PermInventoryRead  Permission = "inventory.read"  // see lots, the ledger, traces
	PermInventoryWrite Permission = "inventory.write" // receive, move, consume, produce, ship, adjust, correct
	PermLotHold        Permission = "lot.hold"        // put a lot on hold
	PermLotRelease     Permission = "lot.release"     // release, reject or quarantine a lot; receive from an unapproved supplier with a reason
	PermRecall         Permission = "recall.run"      // run mock and real recalls, hold their scope

	PermRecipeRead         Permission = "recipe.read"         // see recipes and their versions
	PermRecipeWrite        Permission = "recipe.write"        // create recipes, edit drafts, start new versions
	PermRecipeApprove      Permission = "recipe.approve"      // approve a recipe version with an electronic signature
	PermProductionRead     Permission = "production.read"     // see orders, dispatch lists and batch records
	PermProductionPlan     Permission = "production.plan"     // create, release, hold, resume, cancel and close orders
	PermProductionExecute  Permission = "production.execute"  // start and complete orders, add material, enter parameters, book output, record changeovers
	PermProductionOverride Permission = "production.override" // accept a quantity outside tolerance or a lot out of FEFO order, with a reason
	PermBatchRelease       Permission = "batch.release"       // release a batch record with an electronic signature
	PermDeviationClose     Permission = "deviation.close"     // close a deviation with an electronic signature

	PermMachineRead      Permission = "machine.read"      // see equipment states, counts, process values, OEE and downtime
	PermMachineIngest    Permission = "machine.ingest"    // send machine samples (HTTP batch ingest); for API tokens of machines and gateways
	PermMachineConfigure Permission = "machine.configure" // map tags to equipment, edit shift calendars, rates and downtime reason codes
	PermDowntimeClassify Permission = "downtime.classify" // give an unplanned stop its reason
)

// Permissions lists every permission in a stable order.
func Permissions() []Permission {
	return []Permission{PermMasterRead, PermMasterWrite, PermSupplierApprove, PermAuditRead, PermUsersManage, PermTokensManage,
		PermInventoryRead, PermInventoryWrite, PermLotHold, PermLotRelease, PermRecall,
		PermRecipeRead, PermRecipeWrite, PermRecipeApprove, PermProductionRead, PermProductionPlan, PermProductionExecute,
		PermProductionOverride, PermBatchRelease, PermDeviationClose,
		PermMachineRead, PermMachineIngest, PermMachineConfigure, PermDowntimeClassify}
}

// rolePermissions is the access matrix. It is the one place that says which
// role may do what; docs/api.md prints it.
var rolePermissions = map[Role][]Permission{
	RoleOperator:    {PermMasterRead, PermInventoryRead, PermInventoryWrite, PermRecipeRead, PermProductionRead, PermProductionExecute, PermMachineRead, PermDowntimeClassify},
	RoleSupervisor:  {PermMasterRead, PermInventoryRead, PermInventoryWrite, PermLotHold, PermRecipeRead, PermProductionRead, PermProductionPlan, PermProductionExecute, PermProductionOverride, PermMachineRead, PermDowntimeClassify},
	RoleQuality:     {PermMasterRead, PermMasterWrite, PermSupplierApprove, PermAuditRead, PermInventoryRead, PermInventoryWrite, PermLotHold, PermLotRelease, PermRecall, PermRecipeRead, PermRecipeWrite, PermRecipeApprove, PermProductionRead, PermBatchRelease, PermDeviationClose, PermMachineRead},
	RoleMaintenance: {PermMasterRead, PermInventoryRead, PermProductionRead, PermMachineRead, PermMachineConfigure, PermDowntimeClassify},
	RolePlanner:     {PermMasterRead, PermMasterWrite, PermInventoryRead, PermRecipeRead, PermProductionRead, PermProductionPlan, PermMachineRead},
	RoleManager:     {PermMasterRead, PermMasterWrite, PermAuditRead, PermInventoryRead, PermLotHold, PermRecall, PermRecipeRead, PermRecipeWrite, PermProductionRead, PermProductionPlan, PermMachineRead, PermMachineConfigure},
	RoleAdmin:       {PermMasterRead, PermMasterWrite, PermAuditRead, PermUsersManage, PermTokensManage, PermInventoryRead, PermRecipeRead, PermProductionRead, PermMachineRead, PermMachineConfigure},
	RoleAuditor:     {PermMasterRead, PermAuditRead, PermInventoryRead, PermRecipeRead, PermProductionRead, PermMachineRead},
	RoleIntegration: {PermMasterRead, PermMasterWrite, PermInventoryRead, PermInventoryWrite, PermRecipeRead, PermProductionRead, PermProductionPlan, PermMachineRead, PermMachineIngest},
}

// Has reports whether role r carries permission p.
func (r Role) Has(p Permission) bool { return slices.Contains(rolePermissions[r], p) }

// Grant is a role held on one site.
type Grant struct {
	SiteID ID
	Role   Role
}

// ActorKind says whether an actor is a person or a system.
type ActorKind string

// The actor kinds.
const (
	ActorUser   ActorKind = "user"
	ActorToken  ActorKind = "token"  // a machine or ERP system with an API token
	ActorSystem ActorKind = "system" // Forkline itself: migrations, the demo seeder, the CLI run by an operator of the server
)

// Actor is who a request runs for: a signed-in user, an API token or the system.
type Actor struct {
	Kind   ActorKind
	ID     ID     // user or token ID; "system" for the system
	Name   string // username or token name, recorded in the audit trail
	Grants []Grant
}

// System is the actor of command-line administration and seeding, which has
// every permission on every site.
var System = Actor{Kind: ActorSystem, ID: "system", Name: "system"}

// Can reports whether a holds permission p on site. The system actor can do everything.
func (a Actor) Can(p Permission, site ID) bool {
	if a.Kind == ActorSystem {
		return true
	}
	for _, g := range a.Grants {
		if g.SiteID == site && g.Role.Has(p) {
			return true
		}
	}
	return false
}

// CanAnywhere reports whether a holds permission p on at least one site.
func (a Actor) CanAnywhere(p Permission) bool {
	if a.Kind == ActorSystem {
		return true
	}
	for _, g := range a.Grants {
		if g.Role.Has(p) {
			return true
		}
	}
	return false
}

// Sites returns the sites on which a holds permission p, in grant order.
func (a Actor) Sites(p Permission) []ID {
	var out []ID
	for _, g := range a.Grants {
		if g.Role.Has(p) && !slices.Contains(out, g.SiteID) {
			out = append(out, g.SiteID)
		}
	}
	return out
}

// Require returns ErrForbidden unless a holds permission p on site.
func (a Actor) Require(p Permission, site ID) error {
	if a.Can(p, site) {
		return nil
	}
	return ErrForbidden
}

type actorKey struct{}

// WithActor returns a context carrying the actor.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx, and false if there is none.
func ActorFrom(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	return a, ok
}

// RequireActor returns the actor in ctx, or ErrUnauthenticated.
func RequireActor(ctx context.Context) (Actor, error) {
	a, ok := ActorFrom(ctx)
	if !ok {
		return Actor{}, ErrUnauthenticated
	}
	return a, nil
}
