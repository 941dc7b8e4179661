package accessplan

import (
	"slices"
	"time"
)

// Access is one person's answer to "who can open which door at T" (SPEC B1).
type Access struct {
	Email string
	Name  string
	// Doors open for the person at T, ascending.
	Doors []int
	// Resources whose bookings (after grace) cover T, sorted.
	Resources []string
	// Window is the person's merged access window containing T: the union of all their
	// bookings' windows, whatever door, so From/Until say when this stretch of access began
	// and when the person will next have no door at all.
	Window Interval
}

// Preview answers who may open which door at instant at: every person with at least one door
// open, sorted by email. at may be anywhere within the plan's Window; the answer follows the
// rule of SPEC F8 exactly: a door is open iff a granting booking of a resource mapped to it
// covers at after grace (half-open).
func (p *Plan) Preview(at time.Time) []Access {
	var out []Access
	for _, person := range p.Persons {
		win, ok := find(person.Windows, at)
		if !ok {
			continue
		}
		a := Access{Email: person.Email, Name: person.Name, Window: win, Doors: person.DoorsAt(at)}
		for _, g := range person.Grants {
			if g.Window.Contains(at) {
				a.Resources = append(a.Resources, g.Resources...)
			}
		}
		slices.Sort(a.Resources)
		a.Resources = slices.Compact(a.Resources)
		out = append(out, a)
	}
	return out
}

// DoorsAt returns the doors the person may pass at t, ascending.
func (person *Person) DoorsAt(t time.Time) []int {
	var doors []int
	for _, d := range person.Doors {
		if _, open := find(d.Windows, t); open {
			doors = append(doors, d.Door)
		}
	}
	return doors
}

// Next returns the first instant strictly after t at which the answer of Preview changes (a
// door opens or closes for someone), and false when nothing changes any more within the
// plan. The engine re-plans and applies at that instant (SPEC B2).
func (p *Plan) Next(t time.Time) (time.Time, bool) {
	var next time.Time
	found := false
	for _, person := range p.Persons {
		for _, d := range person.Doors {
			if n, ok := nextBoundary(d.Windows, t); ok && (!found || n.Before(next)) {
				next, found = n, true
			}
		}
	}
	return next, found
}

// Transition is a door opening or closing for a person.
type Transition struct {
	At    time.Time
	Email string
	Door  int
	Open  bool
}

// Transitions lists the door openings and closings strictly after t, in time order (then
// email, then door), at most limit of them (limit ≤ 0: all).
func (p *Plan) Transitions(t time.Time, limit int) []Transition {
	var out []Transition
	for _, person := range p.Persons {
		for _, d := range person.Doors {
			for _, iv := range d.Windows {
				if iv.Start.After(t) {
					out = append(out, Transition{At: iv.Start, Email: person.Email, Door: d.Door, Open: true})
				}
				if iv.End.After(t) {
					out = append(out, Transition{At: iv.End, Email: person.Email, Door: d.Door, Open: false})
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b Transition) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		if a.Email != b.Email {
			if a.Email < b.Email {
				return -1
			}
			return 1
		}
		return a.Door - b.Door
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}
