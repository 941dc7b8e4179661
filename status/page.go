package status

import (
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/net2booking/net2booking/engine"
)

// pageData is what the page template renders.
type pageData struct {
	Now         string
	Healthy     bool
	Reasons     []string
	LastCycle   string
	Sources     []pageSource
	Access      []pageAccess
	Transitions []pageTransition
	Held        []string
	Recent      []pageEntry
}

type pageSource struct {
	Name, LastGood, Error string
	Bookings              int
	Held                  bool
}

type pageAccess struct {
	Email, Name, Doors, Resources, Until string
}

type pageTransition struct {
	At, Email, What string
	Door            int
}

type pageEntry struct {
	Time, Level, Msg, Attrs string
}

func (s *Server) page(w http.ResponseWriter, _ *http.Request) {
	reasons := s.Health()
	now := s.opts.Now()
	loc := s.opts.Location
	f := func(t time.Time) string {
		if t.IsZero() {
			return "never"
		}
		return t.In(loc).Format("2006-01-02 15:04:05 MST")
	}
	d := pageData{Now: f(now), Healthy: len(reasons) == 0, Reasons: reasons}
	s.mu.Lock()
	rep := s.last
	if s.cycled {
		d.LastCycle = f(s.lastAt)
		if s.lastErr != nil {
			d.LastCycle += " (failed: " + s.lastErr.Error() + ")"
		}
	}
	for _, name := range s.order {
		src := s.sources[name]
		ps := pageSource{Name: name, LastGood: f(src.LastGood), Bookings: src.Bookings, Held: src.Held}
		if src.LastError != nil {
			ps.Error = src.LastError.Error()
		}
		d.Sources = append(d.Sources, ps)
		if src.Held {
			d.Held = append(d.Held, heldText(src))
		}
	}
	for i := len(s.recent) - 1; i >= 0; i-- { // newest first
		e := s.recent[i]
		d.Recent = append(d.Recent, pageEntry{Time: f(e.Time), Level: e.Level.String(), Msg: e.Msg, Attrs: e.Attrs})
	}
	s.mu.Unlock()
	if rep != nil && rep.Plan != nil {
		for _, a := range rep.Plan.Preview(now) {
			d.Access = append(d.Access, pageAccess{Email: a.Email, Name: a.Name, Doors: ints(a.Doors), Resources: strings.Join(a.Resources, ", "), Until: f(a.Window.End)})
		}
		for _, t := range rep.Plan.Transitions(now, 20) {
			what := "closes"
			if t.Open {
				what = "opens"
			}
			d.Transitions = append(d.Transitions, pageTransition{At: f(t.At), Email: t.Email, Door: t.Door, What: what})
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'")
	if err := pageTemplate.Execute(w, d); err != nil {
		http.Error(w, "rendering the status page: "+err.Error(), http.StatusInternalServerError)
	}
}

func heldText(src engine.SourceStatus) string {
	if src.Vanished {
		return "source " + src.Name + " is no longer configured but Net2 records " + itoa(src.Recorded) + " upcoming booking(s) of it: they stay in force"
	}
	return "source " + src.Name + " dropped " + itoa(src.Missing) + " of " + itoa(src.Recorded) + " recorded upcoming bookings: its revocations are held"
}

func itoa(n int) string { return ints([]int{n}) }

func ints(xs []int) string {
	var b strings.Builder
	for i, x := range xs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(x))
	}
	return b.String()
}

var pageTemplate = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>net2booking status</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;margin-bottom:1.5em}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f3f3f3}.ok{color:#070}.bad{color:#b00}.WARN{background:#fff6d6}.ERROR{background:#fde2e2}
code{background:#f3f3f3;padding:0 .3em}
</style></head><body>
<h1>net2booking status</h1>
<p id="health" class="{{if .Healthy}}ok{{else}}bad{{end}}">{{if .Healthy}}Healthy{{else}}Unhealthy{{end}} at {{.Now}}; last cycle: {{if .LastCycle}}{{.LastCycle}}{{else}}none yet{{end}}.</p>
{{if .Reasons}}<ul>{{range .Reasons}}<li>{{.}}</li>{{end}}</ul>{{end}}
<h2>Sources</h2>
<table id="sources"><tr><th>Source</th><th>Last good fetch</th><th>Bookings in force</th><th>Last error</th></tr>
{{range .Sources}}<tr><td>{{.Name}}</td><td>{{.LastGood}}</td><td>{{.Bookings}}{{if .Held}} (revocations held){{end}}</td><td>{{.Error}}</td></tr>{{end}}
</table>
{{if .Held}}<h2>Held revocations</h2><ul id="held">{{range .Held}}<li>{{.}}</li>{{end}}</ul>
<p>If that is real, release them with <code>net2booking sync --config FILE --accept-shrink</code> (a running service does it at its next cycle).</p>{{end}}
<h2>Access now</h2>
<table id="access"><tr><th>Person</th><th>Email</th><th>Doors</th><th>Resources</th><th>Until</th></tr>
{{range .Access}}<tr><td>{{.Name}}</td><td>{{.Email}}</td><td>{{.Doors}}</td><td>{{.Resources}}</td><td>{{.Until}}</td></tr>{{else}}<tr><td colspan="5">nobody</td></tr>{{end}}
</table>
<h2>Next transitions</h2>
<table id="transitions"><tr><th>At</th><th>Person</th><th>Door</th><th></th></tr>
{{range .Transitions}}<tr><td>{{.At}}</td><td>{{.Email}}</td><td>{{.Door}}</td><td>{{.What}}</td></tr>{{else}}<tr><td colspan="4">none planned</td></tr>{{end}}
</table>
<h2>Recent warnings and errors</h2>
<p><label>Filter: <input id="filter" type="search" placeholder="term"></label></p>
<table id="recent"><tr><th>Time</th><th>Level</th><th>Message</th></tr>
{{range .Recent}}<tr class="entry {{.Level}}"><td>{{.Time}}</td><td>{{.Level}}</td><td>{{.Msg}} <small>{{.Attrs}}</small></td></tr>{{end}}
</table>
<script>
(function(){
  var box=document.getElementById("filter");
  function apply(){
    var terms=box.value.toLowerCase().split(/\s+/).filter(Boolean);
    document.querySelectorAll("#recent tr.entry").forEach(function(tr){
      var t=tr.textContent.toLowerCase();
      tr.style.display=terms.every(function(x){return t.indexOf(x)>=0;})?"":"none";
    });
    try{sessionStorage.setItem("net2booking-filter",box.value);}catch(e){}
  }
  try{box.value=sessionStorage.getItem("net2booking-filter")||"";}catch(e){}
  box.addEventListener("input",apply);
  apply();
  setTimeout(function(){location.reload();},30000);
})();
</script>
</body></html>
`))
