package graph

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteRooms prints the rooms and room lists ListRooms found, for an admin filling in the
// configuration: a table of rooms, a table of room lists, and the lines to paste — the
// outlook source's rooms: list, and one resources: line per room to complete with its Net2
// door ids. Write errors are ignored (the caller writes to a terminal or a buffer).
func WriteRooms(w io.Writer, rooms []Room, lists []RoomList) {
	if len(rooms) == 0 {
		fmt.Fprint(w, `No rooms found in the tenant.
Graph lists only room mailboxes that are not hidden from the address list; a new room can take
a while to appear. Rooms are created in the Exchange admin center (Resources > Rooms & equipment).
`)
		return
	}

	fmt.Fprintf(w, "%s in the tenant:\n\n", plural(len(rooms), "room", "rooms"))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  ADDRESS\tNAME\tCAPACITY\tBUILDING\tFLOOR\tROOM LISTS")
	for _, r := range rooms {
		capacity := "-"
		if r.Capacity > 0 {
			capacity = fmt.Sprint(r.Capacity)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\n", r.Address, dash(r.Name), capacity, dash(r.Building), dash(r.Floor), dash(strings.Join(r.Lists, ", ")))
	}
	_ = tw.Flush()

	if len(lists) > 0 {
		fmt.Fprintf(w, "\n%s:\n\n", plural(len(lists), "room list", "room lists"))
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  ADDRESS\tNAME\tROOMS")
		for _, l := range lists {
			fmt.Fprintf(tw, "  %s\t%s\t%d\n", l.Address, dash(l.Name), len(l.Rooms))
		}
		_ = tw.Flush()
	}

	addrs := make([]string, len(rooms))
	for i, r := range rooms {
		addrs[i] = r.Address
	}
	fmt.Fprintf(w, `
To use these rooms, paste this line into the outlook source of the configuration file
(keep only the rooms whose doors net2booking should open):

    rooms: [%s]

and map each of those rooms to its Net2 door ids (ACU serial numbers; net2booking net2 doors
lists them) under resources:, replacing each [] by the room's doors, e.g. [1484506, 7001001]:

resources:
`, strings.Join(addrs, ", "))
	width := 0
	for _, r := range rooms {
		width = max(width, len(r.Address))
	}
	for _, r := range rooms {
		comment := r.Name
		if r.Building != "" {
			comment += ", " + r.Building
		}
		line := fmt.Sprintf("  %q: []", r.Address)
		if comment = strings.TrimPrefix(comment, ", "); comment != "" {
			line += strings.Repeat(" ", width-len(r.Address)) + "   # " + comment
		}
		fmt.Fprintln(w, line)
	}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
