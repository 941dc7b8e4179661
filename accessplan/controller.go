package accessplan

import (
	"context"
	"errors"
)

// AccessController is the access-control system a plan is applied to (Net2 in production,
// see package net2). It reads the state the planner needs and performs the writes of
// Actions. Implementations must refuse to modify or delete a user that does not carry the
// marker, whatever they are asked (DESIGN invariant 1), and must be safe to call again after
// a failed or uncertain write (the next cycle re-plans from what Snapshot reads).
type AccessController interface {
	// Snapshot reads the managed users. With full set, every detail is read back from the
	// system (periodic verification: it catches an operator's manual change, i.e. drift);
	// otherwise details the controller wrote itself and has not seen fail may come from its
	// cache, so a steady-state cycle costs only a few reads.
	Snapshot(ctx context.Context, full bool) (Net2State, error)
	// CreateUser creates a marked user for email with spec's names, memo and dates, and
	// returns its id. Department, permissions and code follow as separate actions.
	CreateUser(ctx context.Context, email string, spec UserSpec) (int, error)
	// UpdateUser writes spec's names, memo and validity dates to a managed user.
	UpdateUser(ctx context.Context, id int, spec UserSpec) error
	// SetDepartment moves a managed user into a department.
	SetDepartment(ctx context.Context, id, department int) error
	// SetPermissions replaces a managed user's door permission set.
	SetPermissions(ctx context.Context, id int, p Permissions) error
	// CodesInUse returns every code of the configured kind held by anyone in the system
	// (PINs, or token values for QR codes), managed or not, so a new code never collides.
	CodesInUse(ctx context.Context) (map[string]bool, error)
	// AssignCode gives a managed user its personal code. It returns an error matching
	// ErrCodeTaken when the system reports the code as already held by someone.
	AssignCode(ctx context.Context, id int, code string) error
	// DeleteUser deletes a managed user, releasing its code.
	DeleteUser(ctx context.Context, id int) error
}

// ErrCodeTaken reports that a code the allocator chose is already held in the access-control
// system (a code issued between reading the codes in use and writing); the caller draws
// another one, a bounded number of times.
var ErrCodeTaken = errors.New("code already in use")

// ErrNotManaged reports a write refused because the user does not carry the marker.
var ErrNotManaged = errors.New("user is not managed by net2booking (no marker); refusing to change it")

// ErrPermanent marks a write the access-control system refuses for good (a validation error,
// missing rights): retrying it soon will not help. Controllers make their errors match it with
// errors.Is; the engine then retries hourly, or at once when the plan changes, instead of
// every cycle. Everything else is treated as transient.
var ErrPermanent = errors.New("refused for good")
