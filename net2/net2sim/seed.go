package net2sim

import (
	"fmt"
	"slices"
	"strings"
)

// Seeding: put data into the emulator directly, as an admin would with Net2's own tools.
// Seeded users are checked against Net2's fixed rules (a name, digit-only PIN, field ids and
// lengths, known levels, areas or doors and timezones, unique cards) but not against the
// knobs that make a server stricter (UniquePINs, LiteEdition, NotesMaxLength, ...), so a
// test can seed a state that such a knob would refuse through the API, such as two users
// sharing a PIN. Knobs that describe what the server is rather than how strict it is do
// apply: individual permission ids are checked in the Options.PermissionIDs id space, and
// Options.AllowDuplicateTokens lets seeded users share a card.

// AddDoor adds or renames door id (an ACU address such as 1484506) with one reader area named
// exactly like the door. On an existing door the areas are replaced by that one area, which
// keeps the door's first area id.
func (s *Sim) AddDoor(id int, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.setDoor(id, name, []string{name})
}

// AddDoorReaders adds or renames door id with one reader area per reader, named name + " ("
// + reader + ")": AddDoorReaders(1484506, "Front door", "In", "Out") makes the areas "Front
// door (In)" and "Front door (Out)" (a door with In and Out readers has two reader entries,
// APN-1038). Without readers it is AddDoor. New areas take the next free area ids in reader
// order; on an existing door the areas keep the door's area ids in order, and surplus areas
// are removed (permissions naming them then grant nothing).
func (s *Sim) AddDoorReaders(id int, name string, readers ...string) {
	if len(readers) == 0 {
		s.AddDoor(id, name)
		return
	}
	names := make([]string, len(readers))
	for i, r := range readers {
		names[i] = name + " (" + r + ")"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.setDoor(id, name, names)
}

// SetAreaName renames reader area id, as a site can in Net2 (area names need not follow the
// door's name); it reports whether the area exists.
func (s *Sim) SetAreaName(id int, name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.st.areas[id]
	if ok {
		a.Name = name
		s.st.areas[id] = a
	}
	return ok
}

// AddAccessLevel adds or renames access level id. A new level has no detail rows and opens
// nothing; renaming keeps the rows (and the built-in level 1 keeps opening every area).
func (s *Sim) AddAccessLevel(id int, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.levels[id] = name
}

// AddAccessLevelAreas adds or replaces access level id with the given detail rows (reader
// area → timezone), which Permitted enforces and GET /accesslevels/{id}/detail serves. Rows
// are stored as given, unchecked: a row naming an unknown area opens nothing. Replacing the
// built-in level 1 this way ends its "every area, always" rule.
func (s *Sim) AddAccessLevelAreas(id int, name string, detail ...LevelArea) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.levels[id] = name
	s.st.levelRows[id] = slices.Clone(detail)
	delete(s.st.levelAll, id)
}

// AddDepartment adds or renames department id (0 is reserved for "None").
func (s *Sim) AddDepartment(id int, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id != 0 {
		s.st.departments[id] = name
	}
}

// AddTimezone adds or renames timezone id.
func (s *Sim) AddTimezone(id int, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.timezones[id] = name
}

// SetFieldName renames custom field f.ID (1–14) and sets its maximum length.
func (s *Sim) SetFieldName(f FieldName) error {
	if f.ID < 1 || f.ID > 14 {
		return fmt.Errorf("net2sim: custom field id %d is outside 1–14", f.ID)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.fields[f.ID] = f
	return nil
}

// AddOperator adds an operator who can log in as "FirstName Surname" with op.Password. A
// zero UserID gets the next free one.
func (s *Sim) AddOperator(op Operator) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if op.UserID == 0 {
		for _, o := range s.st.operators {
			op.UserID = max(op.UserID, o.UserID)
		}
		op.UserID++
	}
	s.st.operators = append(s.st.operators, op)
}

// AddUser stores u (with its department, permission set and tokens) and returns it with its
// id: u.ID if set and free, else the next free id.
func (s *Sim) AddUser(u User) (User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u = u.Clone()
	if u.CustomFields == nil {
		u.CustomFields = map[int]string{}
	}
	// Strictness knobs off; the id space and card uniqueness as configured.
	fixedRules := Options{PermissionIDs: s.opts.PermissionIDs, AllowDuplicateTokens: s.opts.AllowDuplicateTokens}
	if err := s.st.checkUser(&u, &fixedRules); err != nil {
		return User{}, fmt.Errorf("net2sim: AddUser: %w", err)
	}
	if err := s.st.checkPermissions(u.Permissions, &fixedRules); err != nil {
		return User{}, fmt.Errorf("net2sim: AddUser: %w", err)
	}
	if _, ok := s.st.departments[u.DepartmentID]; u.DepartmentID != 0 && !ok {
		return User{}, fmt.Errorf("net2sim: AddUser: department %d does not exist", u.DepartmentID)
	}
	if u.ID == 0 {
		u.ID = s.st.nextUserID
	} else if _, taken := s.st.users[u.ID]; taken {
		return User{}, fmt.Errorf("net2sim: AddUser: user id %d is taken", u.ID)
	}
	tokens := u.Tokens
	u.Tokens = nil
	for _, t := range tokens {
		t.TokenValue = normaliseTokenValue(t.TokenValue)
		if canonicalTokenType(t.TokenType) == "" || t.TokenValue == "" {
			return User{}, fmt.Errorf("net2sim: AddUser: invalid token %+v", t)
		}
		if s.st.tokenHolder(t.TokenValue, 0, &fixedRules) != nil || (!fixedRules.AllowDuplicateTokens && hasValue(u.Tokens, t.TokenValue)) {
			return User{}, fmt.Errorf("net2sim: AddUser: card %s has already been issued", t.TokenValue)
		}
		t.TokenType = canonicalTokenType(t.TokenType)
		u.Tokens = append(u.Tokens, t)
	}
	// Everything is valid: assign ids.
	for i := range u.Tokens {
		u.Tokens[i].ID = s.st.nextTokenID
		s.st.nextTokenID++
	}
	s.st.nextUserID = max(s.st.nextUserID, u.ID+1)
	u.Permissions = u.Permissions.Clone()
	stored := u.Clone()
	s.st.users[u.ID] = &stored
	return u.Clone(), nil
}

func hasValue(tokens []Token, v string) bool {
	for _, t := range tokens {
		if strings.EqualFold(t.TokenValue, v) {
			return true
		}
	}
	return false
}
