package notify_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/notify"
)

func TestDefaultTemplatesUseEveryPlaceholder(t *testing.T) {
	for _, ph := range notify.Placeholders {
		if ph == notify.PlaceholderSurname {
			continue // "Hello Jane," reads better than "Hello Jane Doe,"
		}
		assert.Contains(t, notify.DefaultText, ph)
		assert.Contains(t, notify.DefaultHTML, ph)
	}
	_, err := notify.ParseTemplates("text", notify.DefaultText, "html", notify.DefaultHTML)
	require.NoError(t, err)
}

func TestUnknownPlaceholderNamesFileAndLine(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "templates")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	htmlPath := filepath.Join(dir, "notification.html")
	lines := make([]string, 14)
	for i := range lines {
		lines[i] = "<p>line</p>"
	}
	lines[0] = `<p style="color:#FFF; background:#1f2933">#FIRST_NAME#</p>` // colours are not placeholders
	lines[11] = "<p>Your code: #CODE#</p>"
	lines[13] = "<p>#first_name# #SURNAME#</p>"
	require.NoError(t, os.WriteFile(htmlPath, []byte(strings.Join(lines, "\r\n")), 0o644))

	_, err := notify.LoadTemplates("", htmlPath)
	require.Error(t, err)
	known := "known: #FIRST_NAME#, #SUR_NAME#, #START_PERIOD#, #END_PERIOD#, #ACCESS_CODE#, #RESOURCES#"
	assert.Contains(t, err.Error(), htmlPath+":12: unknown placeholder #CODE#; "+known)
	assert.Contains(t, err.Error(), htmlPath+":14: unknown placeholder #SURNAME#")
	assert.NotContains(t, err.Error(), "first_name", "lower case is text, not a placeholder")
	assert.NotContains(t, err.Error(), ":1:")

	// The relative path as configured is what the error shows.
	t.Chdir(filepath.Dir(dir))
	_, err = notify.LoadTemplates(filepath.Join("templates", "notification.html"), "")
	require.Error(t, err)
	assert.Contains(t, err.Error(), filepath.Join("templates", "notification.html")+":12: unknown placeholder #CODE#; known: ")
}

func TestLoadTemplatesErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := notify.LoadTemplates(filepath.Join(dir, "missing.txt"), "")
	assert.ErrorContains(t, err, "missing.txt")
	bin := filepath.Join(dir, "bin.txt")
	require.NoError(t, os.WriteFile(bin, []byte{0xff, 0xfe, 0x00, 'a'}, 0o644))
	_, err = notify.LoadTemplates(bin, "")
	assert.ErrorContains(t, err, "not UTF-8")
}

func TestWriteDefaults(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "templates")
	require.NoError(t, notify.WriteDefaults(dir))
	text, err := os.ReadFile(filepath.Join(dir, notify.DefaultTextFile))
	require.NoError(t, err)
	htm, err := os.ReadFile(filepath.Join(dir, notify.DefaultHTMLFile))
	require.NoError(t, err)
	assert.Equal(t, notify.DefaultText, string(text))
	assert.Equal(t, notify.DefaultHTML, string(htm))

	// The written files load and render like the built-in ones.
	fromFiles, err := notify.LoadTemplates(filepath.Join(dir, notify.DefaultTextFile), filepath.Join(dir, notify.DefaultHTMLFile))
	require.NoError(t, err)
	builtin, err := notify.LoadTemplates("", "")
	require.NoError(t, err)
	o := notify.RenderOptions{Location: amsterdam}
	t1, h1, err := fromFiles.Render(sample(notify.KindPIN, "482913"), o)
	require.NoError(t, err)
	t2, h2, err := builtin.Render(sample(notify.KindPIN, "482913"), o)
	require.NoError(t, err)
	assert.Equal(t, t2, t1)
	assert.Equal(t, h2, h1)

	// A second run refuses to overwrite, and leaves an edited file alone.
	require.NoError(t, os.WriteFile(filepath.Join(dir, notify.DefaultTextFile), []byte("edited #FIRST_NAME#"), 0o644))
	err = notify.WriteDefaults(dir)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "already exists")
	text, err = os.ReadFile(filepath.Join(dir, notify.DefaultTextFile))
	require.NoError(t, err)
	assert.Equal(t, "edited #FIRST_NAME#", string(text))

	// When only one of the two exists, neither is written.
	dir2 := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir2, notify.DefaultHTMLFile), []byte("mine"), 0o644))
	require.Error(t, notify.WriteDefaults(dir2))
	_, err = os.Stat(filepath.Join(dir2, notify.DefaultTextFile))
	assert.ErrorIs(t, err, os.ErrNotExist)
}

func TestRenderPlaceholders(t *testing.T) {
	tpl, err := notify.ParseTemplates("t.txt",
		"#FIRST_NAME#|#SUR_NAME#|#START_PERIOD#|#END_PERIOD#|#ACCESS_CODE#\r\n#RESOURCES#\r\n",
		"t.html", "<b>#FIRST_NAME# #SUR_NAME#</b> #ACCESS_CODE# #START_PERIOD# #RESOURCES#")
	require.NoError(t, err)
	n := sample(notify.KindPIN, "482913")
	n.FirstName, n.LastName = "Zoë & <b>", "d'Arc"
	text, htm, err := tpl.Render(n, notify.RenderOptions{Location: amsterdam})
	require.NoError(t, err)
	assert.Equal(t, "Zoë & <b>|d'Arc|Tuesday 1 December 2026 00:00|Friday 4 December 2026 00:00|482913\n"+
		"- Room #1, Room #2: Tuesday 1 December 2026 11:00 to 13:00 (doors open Tuesday 1 December 2026 10:45 to 13:15) (new)\n"+
		"- Board room: Thursday 3 December 2026 09:00 to 17:30 (doors open Thursday 3 December 2026 08:45 to 17:45)\n", text)
	assert.True(t, strings.HasPrefix(htm, "<b>Zoë &amp; &lt;b&gt; d&#39;Arc</b> 482913 Tuesday 1 December 2026 00:00 <ul"), htm)
	assert.Contains(t, htm, "<li><strong>Board room</strong>: Thursday 3 December 2026 09:00 to 17:30")

	// A changed booking is marked as such; dates follow the zone (UTC here) and the layout.
	n.Bookings[0].Changed = true
	n.Upcoming[0].Changed = true
	text, _, err = tpl.Render(n, notify.RenderOptions{Location: time.UTC, DateFormat: "2006-01-02 15:04 MST"})
	require.NoError(t, err)
	assert.Contains(t, text, "- Room #1, Room #2: 2026-12-01 10:00 UTC to 2026-12-01 12:00 UTC (doors open 2026-12-01 09:45 UTC to 2026-12-01 12:15 UTC) (changed)")

	// Without a validity period the bookings' access windows give it; without names, the
	// display name stands in.
	n.ValidFrom, n.ValidUntil = time.Time{}, time.Time{}
	n.FirstName, n.LastName = "", ""
	text, _, err = tpl.Render(n, notify.RenderOptions{Location: amsterdam})
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(text, "Jane Doe||Tuesday 1 December 2026 10:45|Thursday 3 December 2026 17:45|"), text)

	// A QR code in the HTML part is an inline image with the given Content-ID.
	_, htm, err = tpl.Render(sample(notify.KindQR, "12345678"), notify.RenderOptions{ImageCID: "img1@x"})
	require.NoError(t, err)
	assert.Contains(t, htm, `<img src="cid:img1@x"`)
	assert.Contains(t, htm, `alt="QR code 12345678"`)

	_, _, err = tpl.Render(sample("card", "1"), notify.RenderOptions{})
	assert.True(t, notify.IsPermanent(err))
	assert.ErrorContains(t, err, "unknown code kind")
}

func TestCleanText(t *testing.T) {
	for in, want := range map[string]string{
		"Jane\r\nBcc: x":         "Jane Bcc: x",
		"  a \t b  ":             "a b",
		"O'Hara\n":               "O'Hara",
		"x\u2028y\u202Ez\x00":    "x y z",
		strings.Repeat("é", 300): strings.Repeat("é", 200),
	} {
		assert.Equal(t, want, notify.CleanText(in), "%q", in)
	}
}
