package net2

// Dates in Net2.
//
// Net2 keeps a user's activation and expiry as wall-clock times and, in practice, whole days:
// one client says its own user editor stores activation at 00:00 and expiry at 23:59 of a
// day, and a live 6.7+ server dropped the time of day of an expiry and expired the user at the
// start of that day (research §4, §5.2, §12: the planner therefore writes the day after the
// last day with access). Net2's replies carry the server's offset
// ("2013-11-11T00:00:00+01:00").
//
// Choices made here (research open question 7):
//   - Requests carry dates as the site's wall-clock time without an offset
//     ("2027-07-31T23:59:00", WireDateLayout), in Config.Location. That is what Net2 stores,
//     and it leaves no room for the server to shift the day when converting an offset.
//   - User dates in replies are read as the wall clock they hold, in Config.Location,
//     whatever offset Net2 adds (see wallClock), so a read-modify-write sends back exactly
//     what it read even if the server's zone is not the site's.
//   - Which days a user's validity covers is the planner's decision (accessplan.UserSpec):
//     access within a day is switched by the door permission set at the exact instants
//     (SPEC B2); the dates only bound access (SPEC B4).
