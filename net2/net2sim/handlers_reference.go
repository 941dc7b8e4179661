package net2sim

import (
	"net/http"
	"strconv"
)

// Reference data (research §10.2): read-only lists of doors, access levels, departments,
// timezones, custom field names and token types.

// listOf serves a list of named objects.
func listOf(pick func(*store) map[int]string) handler {
	return func(s *Sim, _ *req) reply { return listReply(s, sortedNamed(pick(&s.st))) }
}

// oneOf serves one named object by id, 404 if unknown.
func oneOf(pick func(*store) map[int]string, kind string) handler {
	return func(s *Sim, q *req) reply {
		id, err := strconv.Atoi(q.r.PathValue("id"))
		if err == nil {
			if name, ok := pick(&s.st)[id]; ok {
				return reply{status: http.StatusOK, body: Named{id, name}}
			}
		}
		return message(http.StatusNotFound, kind+" not found.")
	}
}

// getDepartments serves GET /departments; {0, "None"} is listed with ListNoneDepartment.
func (s *Sim) getDepartments(_ *req) reply {
	list := sortedNamed(s.st.departments)
	if s.opts.ListNoneDepartment {
		list = append([]Named{{0, "None"}}, list...)
	}
	return listReply(s, list)
}

// getFieldNames serves GET /users/customfieldnames.
func (s *Sim) getFieldNames(_ *req) reply {
	out := make([]FieldName, 0, 14)
	for id := 1; id <= 14; id++ {
		f, ok := s.st.fields[id]
		if !ok {
			continue
		}
		if id == 13 && s.opts.NotesMaxLength > 0 {
			f.MaxLength = s.opts.NotesMaxLength
		}
		out = append(out, f)
	}
	return listReply(s, out)
}

// getTokenTypes serves GET /users/token/types as [{id, name}] (the real shape is unknown),
// or 404 with NoTokenTypesRoute.
func (s *Sim) getTokenTypes(q *req) reply {
	if s.opts.NoTokenTypesRoute {
		return message(http.StatusNotFound, "No HTTP resource was found that matches the request URI '"+q.r.URL.Path+"'.")
	}
	out := make([]Named, len(TokenTypes))
	for i, n := range TokenTypes {
		out[i] = Named{i, n}
	}
	return listReply(s, out)
}

// getAreas serves GET /accesslevels/areas: [{areaID, name}] by id (research §5.6).
func (s *Sim) getAreas(_ *req) reply { return listReply(s, s.st.sortedAreas()) }

// getLevelDetail serves GET /accesslevels/{id}/detail: the level's rows [{areaID,
// timezoneID}] (the reply shape follows the OEM and PSNet2Api rows; the real one is not
// documented), 404 for an unknown level.
func (s *Sim) getLevelDetail(q *req) reply {
	id, err := strconv.Atoi(q.r.PathValue("id"))
	if _, ok := s.st.levels[id]; err != nil || !ok {
		return message(http.StatusNotFound, "Access level not found.")
	}
	return listReply(s, s.st.detail(id))
}
