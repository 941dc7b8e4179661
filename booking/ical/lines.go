package ical

import (
	"bytes"
	"fmt"
	"io"

	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// Limits of the line reader.
const (
	// maxLine is the longest content line (after unfolding) that is kept. A longer line is
	// reported by its first bytes only: harmless for a property we do not read (a huge
	// DESCRIPTION), a bad line for one we do, so memory never depends on the longest line.
	maxLine = 1 << 20
	// lineHead is how much of an over-long line is kept to name it.
	lineHead = 256
	// readChunk is the read size of a streaming parse.
	readChunk = 256 << 10
)

// logical is one unfolded content line.
type logical struct {
	text    []byte // unfolded; valid until the next call of next
	line    int    // number of its first physical line
	after   int    // number of the physical line after it
	tooLong bool   // text is only the first lineHead bytes
}

// lineReader yields the logical lines of a feed, unfolded before anything looks at them
// (RFC 5545 §3.1: a fold, CRLF or LF followed by a space or TAB, may sit between any two
// octets, also inside a property name or a UTF-8 sequence). It accepts CRLF, LF and CR-only
// endings, drops a UTF-8 BOM, counts the bytes against the size limit, and streams: only the
// current line is buffered (for a []byte input nothing is copied but folded lines).
type lineReader struct {
	r        io.Reader
	buf      []byte
	pos, end int // buf[pos:end] is unread
	eof      bool
	line     int
	read     int64
	limit    int64
	started  bool
	crOnly   bool
	segs     [][2]int
	scratch  []byte
	owned    bool // buf is ours (a streaming parse), not the caller's slice
	// skip, when set, tells from the first physical line of a folded line (one that holds
	// its name and the colon) that nobody reads it.
	skip func(head []byte) bool
	// State of copyBody across calls: the unfolded length of the logical line being copied,
	// and whether the rest of its current physical line, or its further physical lines, are
	// dropped (it is longer than maxLine).
	bodyLen                     int
	dropLine, dropCont, midLine bool
}

func newBytesReader(data []byte, limit int64) *lineReader {
	lr := &lineReader{buf: data, end: len(data), eof: true, line: 1, read: int64(len(data)), limit: limit}
	return lr
}

func newStreamReader(r io.Reader, limit int64) *lineReader {
	return &lineReader{r: r, buf: make([]byte, readChunk), line: 1, limit: limit, owned: true}
}

// prepare handles what only the start of the input tells: an encoding (UTF-16, a BOM), and
// CR-only or CR CR LF line endings.
func (lr *lineReader) prepare() error {
	lr.started = true
	if err := lr.fillHead(); err != nil {
		return err
	}
	head := lr.buf[lr.pos:lr.end]
	if order, ok := utf16Order(head); ok {
		// A feed saved as UTF-16 (Windows PowerShell's Out-File and Notepad's "Unicode"
		// write it): read as the UTF-8 it stands for. Streamed, its size limit counts the
		// UTF-8 bytes (at most 1.5 times the UTF-16 ones); held whole, the UTF-16 ones.
		dec := unicode.UTF16(order, unicode.UseBOM).NewDecoder()
		if !lr.owned {
			utf8, err := dec.Bytes(head)
			if err != nil {
				return fmt.Errorf("decoding UTF-16: %w", err)
			}
			lr.own(utf8)
		} else {
			lr.readAgainThrough(head, func(r io.Reader) io.Reader { return transform.NewReader(r, dec) })
			if err := lr.fillHead(); err != nil {
				return err
			}
		}
		head = lr.buf[lr.pos:lr.end]
	}
	if bytes.HasPrefix(head, []byte("\ufeff")) {
		lr.pos += 3
		head = head[3:]
	}
	// The line endings are told by the first readChunk bytes, whether the feed is streamed
	// or held whole, so that both read it alike.
	start := head[:min(len(head), readChunk)]
	switch {
	case bytes.IndexByte(start, '\n') < 0 && bytes.IndexByte(start, '\r') >= 0:
		// Classic Mac line endings: CR only.
		lr.crOnly = true
		if !lr.owned {
			lr.own(bytes.ReplaceAll(head, []byte("\r"), []byte("\n")))
		} else {
			crToLF(head)
		}
	case bytes.Contains(start, []byte("\r\r\n")):
		// CR CR LF: a CRLF feed converted to CRLF once more (a text-mode transfer, a
		// script's "\n" -> "\r\n"). Each run of CRs before an LF is one line end.
		if !lr.owned {
			var cr crRuns
			lr.own(cr.collapse(make([]byte, 0, len(head)), head, true))
		} else {
			// next fills the emptied buffer through the filter.
			lr.readAgainThrough(head, func(r io.Reader) io.Reader { return &crRunReader{r: r} })
		}
	}
	return nil
}

// fillHead reads until the buffer holds readChunk bytes or the whole input.
func (lr *lineReader) fillHead() error {
	for !lr.eof && lr.end-lr.pos < readChunk {
		if _, err := lr.fill(lr.pos); err != nil {
			return err
		}
	}
	return nil
}

// own makes buf, a converted copy of the caller's input, the input held whole.
func (lr *lineReader) own(buf []byte) {
	lr.buf, lr.pos, lr.end, lr.owned = buf, 0, len(buf), true
}

// readAgainThrough makes a streamed input read on through wrap (a decoder or a filter) from
// its head, which was read already: the head goes through wrap first, then the rest, and is
// counted against the size limit again as wrap gives it.
func (lr *lineReader) readAgainThrough(head []byte, wrap func(io.Reader) io.Reader) {
	lr.r = wrap(io.MultiReader(bytes.NewReader(bytes.Clone(head)), lr.r))
	lr.read -= int64(len(head))
	lr.end, lr.eof = lr.pos, false
}

// utf16Order tells a feed written in UTF-16 by its start: a byte order mark, else the zero
// bytes of ASCII text ("BEGIN:" as B 0 E 0 … or 0 B 0 E …).
func utf16Order(head []byte) (unicode.Endianness, bool) {
	switch {
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}) && !bytes.HasPrefix(head, []byte{0xFF, 0xFE, 0, 0}):
		return unicode.LittleEndian, true
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return unicode.BigEndian, true
	case len(head) >= 4 && head[0] != 0 && head[1] == 0 && head[2] != 0 && head[3] == 0:
		return unicode.LittleEndian, true
	case len(head) >= 4 && head[0] == 0 && head[1] != 0 && head[2] == 0 && head[3] != 0:
		return unicode.BigEndian, true
	}
	return unicode.LittleEndian, false
}

// crRuns turns every run of CRs that ends at an LF into one CR (CR CR LF into CRLF) and
// leaves every other CR as it is. It is told the input piece by piece: a run at the end of
// a piece waits in n for what follows it.
type crRuns struct{ n int }

// collapse appends src, filtered, to dst. With last, src ends the input, and a run at its
// end is one line end.
func (c *crRuns) collapse(dst, src []byte, last bool) []byte {
	for len(src) > 0 {
		i := bytes.IndexAny(src, "\r\n")
		if i < 0 {
			dst = c.flush(dst)
			return append(dst, src...)
		}
		if i > 0 {
			dst = append(c.flush(dst), src[:i]...)
		}
		if src[i] == '\r' {
			c.n++
		} else {
			if c.n > 0 {
				dst = append(dst, '\r')
			}
			c.n = 0
			dst = append(dst, '\n')
		}
		src = src[i+1:]
	}
	if last && c.n > 0 {
		c.n = 0
		dst = append(dst, '\r')
	}
	return dst
}

// flush appends the waiting CRs, which turned out to be followed by text.
func (c *crRuns) flush(dst []byte) []byte {
	for ; c.n > 0; c.n-- {
		dst = append(dst, '\r')
	}
	return dst
}

// crRunReader is crRuns over a reader.
type crRunReader struct {
	r      io.Reader
	cr     crRuns
	in     []byte
	out    []byte // filtered, not yet returned
	outBuf []byte
	err    error
}

func (c *crRunReader) Read(p []byte) (int, error) {
	for len(c.out) == 0 {
		if c.err != nil {
			return 0, c.err
		}
		if c.in == nil {
			c.in = make([]byte, readChunk)
		}
		n, err := c.r.Read(c.in)
		c.err = err
		c.outBuf = c.cr.collapse(c.outBuf[:0], c.in[:n], err != nil)
		c.out = c.outBuf
	}
	n := copy(p, c.out)
	c.out = c.out[n:]
	return n, nil
}

func crToLF(b []byte) {
	for i, c := range b {
		if c == '\r' {
			b[i] = '\n'
		}
	}
}

// fill keeps buf[from:end], moved to the front, and reads more input behind it, growing the
// buffer when it is full. It returns how far the kept bytes moved.
func (lr *lineReader) fill(from int) (shift int, err error) {
	if lr.eof {
		return 0, nil
	}
	if from > 0 {
		n := copy(lr.buf, lr.buf[from:lr.end])
		for i := range lr.segs {
			lr.segs[i][0] -= from
			lr.segs[i][1] -= from
		}
		lr.pos = max(lr.pos-from, 0)
		lr.end = n
	}
	if lr.end == len(lr.buf) {
		nb := make([]byte, 2*len(lr.buf))
		copy(nb, lr.buf[:lr.end])
		lr.buf = nb
	}
	for {
		n, err := lr.r.Read(lr.buf[lr.end:])
		if n > 0 && lr.crOnly {
			crToLF(lr.buf[lr.end : lr.end+n])
		}
		lr.end += n
		lr.read += int64(n)
		if lr.read > lr.limit {
			return from, fmt.Errorf("more than %d bytes: %w", lr.limit, ErrTooLarge)
		}
		if err == io.EOF {
			lr.eof = true
			return from, nil
		}
		if err != nil {
			return from, fmt.Errorf("reading the feed: %w", err)
		}
		if n > 0 {
			return from, nil
		}
	}
}

// next returns the next logical line; ok is false at the end of the input. Blank lines are
// returned too (empty text).
func (lr *lineReader) next() (ll logical, ok bool, err error) {
	if !lr.started {
		if err := lr.prepare(); err != nil {
			return ll, false, err
		}
	}
	if lr.pos >= lr.end && lr.eof {
		return ll, false, nil
	}
	ll.line = lr.line
	lr.segs = lr.segs[:0]
	lr.scratch = lr.scratch[:0]
	total := 0
	ls := lr.pos // start of the logical line
	p := ls      // start of the current physical line
	for {
		i := bytes.IndexByte(lr.buf[p:lr.end], '\n')
		if i < 0 && !lr.eof {
			// The physical line continues beyond the buffer. Of an over-long logical line
			// only the head is kept; the rest is dropped as it is read.
			keep := ls
			if ll.tooLong || total+(lr.end-p) > maxLine {
				lr.keepHead(&ll, p, lr.end)
				p = lr.end
				keep = p
			}
			shift, err := lr.fill(keep)
			if err != nil {
				return ll, false, err
			}
			p, ls = p-shift, ls-shift
			continue
		}
		lineEnd, next := lr.end, lr.end
		if i >= 0 {
			lineEnd, next = p+i, p+i+1
		}
		e := lineEnd
		if e > p && lr.buf[e-1] == '\r' {
			e--
		}
		if ll.tooLong || total+(e-p) > maxLine {
			lr.keepHead(&ll, p, e)
		} else {
			lr.segs = append(lr.segs, [2]int{p, e})
			total += e - p
		}
		lr.line++
		// A fold: the next physical line starts with a space or TAB. Look at its first byte.
		if next >= lr.end && !lr.eof {
			keep := ls
			if ll.tooLong {
				keep = next
			}
			shift, err := lr.fill(keep)
			if err != nil {
				return ll, false, err
			}
			next, ls = next-shift, ls-shift
		}
		if next < lr.end && (lr.buf[next] == ' ' || lr.buf[next] == '\t') {
			p = next + 1
			continue
		}
		lr.pos = next
		break
	}
	ll.after = lr.line
	switch {
	case ll.tooLong:
		ll.text = lr.scratch
	case len(lr.segs) == 1:
		ll.text = lr.buf[lr.segs[0][0]:lr.segs[0][1]]
	case lr.skip != nil && bytes.IndexByte(lr.buf[lr.segs[0][0]:lr.segs[0][1]], ':') >= 0 && lr.skip(lr.buf[lr.segs[0][0]:lr.segs[0][1]]):
		// A folded line nobody reads (a long DESCRIPTION): its first physical line names
		// it, and the rest is not unfolded.
		ll.text = lr.buf[lr.segs[0][0]:lr.segs[0][1]]
	default:
		for _, s := range lr.segs {
			lr.scratch = append(lr.scratch, lr.buf[s[0]:s[1]]...)
		}
		ll.text = lr.scratch
	}
	return ll, true, nil
}

// copyBody copies the physical lines that follow, as they are (folds and line endings
// included), to dst, up to the first one that may be a BEGIN or END line (it starts with b,
// B, e or E, and is not a continuation), and stops at its start or at the end of the input.
// It is how the body of a VEVENT is read: the structure is all the scan needs, and workers
// split, unfold and decode the lines. With keep false (a component inside the event, whose
// lines nobody reads), each physical line becomes an empty line, so that the body's line
// numbers stay those of the feed.
//
// Of a logical line whose unfolded length passes maxLine, only its first maxLine+bodyMargin
// unfolded bytes are copied (so the line reader that splits them finds it too long), and
// each further physical line becomes an empty line: line numbers stay exact and memory does
// not follow the junk.
func (lr *lineReader) copyBody(dst *eventBytes, keep bool) error {
	if !lr.started {
		if err := lr.prepare(); err != nil {
			return err
		}
	}
	run := lr.pos // start of what is not copied yet
	flush := func(to int) {
		switch {
		case to <= run:
		case keep:
			dst.write(lr.buf[run:to]...)
		default:
			for range bytes.Count(lr.buf[run:to], []byte{'\n'}) {
				dst.write('\n')
			}
		}
		run = to
	}
	for {
		if lr.pos >= lr.end {
			flush(lr.pos)
			if lr.eof {
				if lr.midLine || lr.dropLine { // a last line without line ending counts too
					lr.line++
					lr.midLine, lr.dropLine = false, false
				}
				return nil
			}
			if _, err := lr.fill(lr.pos); err != nil {
				return err
			}
			run = lr.pos
			continue
		}
		if lr.dropLine {
			// The rest of a physical line that is not copied.
			i := bytes.IndexByte(lr.buf[lr.pos:lr.end], '\n')
			if i < 0 {
				lr.pos, run = lr.end, lr.end
				continue
			}
			lr.pos += i + 1
			run = lr.pos
			lr.line++
			lr.dropLine = false
			continue
		}
		if !lr.midLine && !lr.dropCont {
			// The common case, in locals: whole physical lines that leave their logical line
			// well under maxLine, up to one that needs the careful path below (a BEGIN or END
			// candidate, a line going on beyond the buffer, a line that gets long).
			buf, pos, end, line, bodyLen := lr.buf, lr.pos, lr.end, lr.line, lr.bodyLen
			for pos < end {
				c := buf[pos]
				n := 0
				switch {
				case c == ' ' || c == '\t':
					n = -1 // the fold's space is no text
				case c|0x20 == 'b' || c|0x20 == 'e':
					end = pos // stop here
					continue
				default:
					bodyLen = 0
				}
				i := bytes.IndexByte(buf[pos:end], '\n')
				if i < 0 {
					break
				}
				n += i
				if i > 0 && buf[pos+i-1] == '\r' {
					n--
				}
				if bodyLen+n > maxLine {
					break
				}
				bodyLen += n
				pos += i + 1
				line++
			}
			if pos > lr.pos {
				lr.pos, lr.line, lr.bodyLen = pos, line, bodyLen
				continue
			}
		}
		content := lr.pos // where the line's part of the unfolded text starts
		if !lr.midLine {
			switch c := lr.buf[lr.pos]; {
			case c == ' ' || c == '\t':
				if lr.dropCont {
					flush(lr.pos)
					dst.write('\n')
					lr.dropLine = true
					continue
				}
				content++
			case c|0x20 == 'b' || c|0x20 == 'e':
				flush(lr.pos)
				lr.bodyLen, lr.dropCont = 0, false
				return nil
			default:
				lr.bodyLen, lr.dropCont = 0, false
			}
		}
		i := bytes.IndexByte(lr.buf[lr.pos:lr.end], '\n')
		lineEnd := lr.end
		if i >= 0 {
			lineEnd = lr.pos + i
		}
		n := lineEnd - content
		if i >= 0 && n > 0 && lr.buf[lineEnd-1] == '\r' {
			n-- // the CR of CRLF is no text
		}
		if lr.bodyLen+n > maxLine+bodyMargin {
			// Too long: copy the head, end the line, drop the rest.
			flush(content + (maxLine + bodyMargin - lr.bodyLen))
			dst.write('\n')
			lr.dropLine, lr.dropCont, lr.midLine = true, true, false
			continue
		}
		lr.bodyLen += n
		if i < 0 {
			lr.pos, lr.midLine = lr.end, true // the line goes on in the next read
			continue
		}
		lr.pos, lr.midLine = lineEnd+1, false
		lr.line++
	}
}

// bodyMargin makes a line copyBody cut longer than maxLine however its CR and folds are
// counted.
const bodyMargin = 8

// keepHead marks the line too long and keeps its first lineHead bytes in scratch: the
// segments so far, then buf[p:e].
func (lr *lineReader) keepHead(ll *logical, p, e int) {
	if !ll.tooLong {
		ll.tooLong = true
		for _, s := range lr.segs {
			lr.scratch = append(lr.scratch, lr.buf[s[0]:s[1]]...)
		}
		lr.segs = lr.segs[:0]
		if len(lr.scratch) > lineHead {
			lr.scratch = lr.scratch[:lineHead]
		}
	}
	if room := lineHead - len(lr.scratch); room > 0 {
		lr.scratch = append(lr.scratch, lr.buf[p:p+min(room, e-p)]...)
	}
}

// eventBytes holds the bodies of a batch's events as copyBody copies them: one buffer that
// doubles while the batch is small, and once the batch holds batchBytes, chunks of bodyChunk
// bytes that continue it. A huge event (a million EXDATEs in 50 MB) is thus copied once and
// never moved to grow: growing one buffer held the old copy beside the new one, and left a
// quarter of it unused.
type eventBytes struct {
	buf    []byte   // where bytes go now
	chunks [][]byte // the full chunks before buf
	before int      // bytes in chunks
}

// bodyChunk is the size of the chunks that continue a batch past batchBytes.
const bodyChunk = 4 << 20

// size is the number of bytes held.
func (e *eventBytes) size() int { return e.before + len(e.buf) }

// write appends p.
func (e *eventBytes) write(p ...byte) {
	if len(e.buf)+len(p) <= cap(e.buf) {
		e.buf = append(e.buf, p...)
		return
	}
	if e.size() >= batchBytes {
		e.chunks = append(e.chunks, e.buf)
		e.before += len(e.buf)
		e.buf = make([]byte, 0, max(bodyChunk, len(p)))
		e.buf = append(e.buf, p...)
		return
	}
	grown := make([]byte, len(e.buf), max(2*cap(e.buf), len(e.buf)+len(p), 4096))
	copy(grown, e.buf)
	e.buf = append(grown, p...)
}

// pieces returns the bytes from off to off+n, as slices of the chunks they are in.
func (e *eventBytes) pieces(dst [][]byte, off, n int) [][]byte {
	if off >= e.before { // in buf, as nearly every event is
		return append(dst, e.buf[off-e.before:off-e.before+n])
	}
	end := off + n
	at := 0
	for i := 0; i <= len(e.chunks) && at < end; i++ {
		c := e.buf
		if i < len(e.chunks) {
			c = e.chunks[i]
		}
		if lo, hi := max(off, at), min(end, at+len(c)); lo < hi {
			dst = append(dst, c[lo-at:hi-at])
		}
		at += len(c)
	}
	return dst
}

// reset empties e for reuse, keeping buf unless it grew past keep bytes.
func (e *eventBytes) reset(keep int) {
	if cap(e.buf) > keep || len(e.chunks) > 0 {
		e.buf = nil
	}
	e.buf, e.chunks, e.before = e.buf[:0], nil, 0
}
