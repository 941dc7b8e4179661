package ical

import (
	"bytes"
	"fmt"
	"io"
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
}

func newBytesReader(data []byte, limit int64) *lineReader {
	lr := &lineReader{buf: data, end: len(data), eof: true, line: 1, read: int64(len(data)), limit: limit}
	return lr
}

func newStreamReader(r io.Reader, limit int64) *lineReader {
	return &lineReader{r: r, buf: make([]byte, readChunk), line: 1, limit: limit, owned: true}
}

// prepare handles what only the start of the input tells: a BOM and CR-only line endings.
func (lr *lineReader) prepare() error {
	lr.started = true
	for !lr.eof && lr.end-lr.pos < readChunk {
		if _, err := lr.fill(lr.pos); err != nil {
			return err
		}
	}
	head := lr.buf[lr.pos:lr.end]
	if bytes.HasPrefix(head, []byte("\ufeff")) {
		lr.pos += 3
		head = head[3:]
	}
	if bytes.IndexByte(head, '\n') < 0 && bytes.IndexByte(head, '\r') >= 0 {
		// Classic Mac line endings: CR only.
		lr.crOnly = true
		if !lr.owned {
			lr.buf = bytes.ReplaceAll(lr.buf[lr.pos:lr.end], []byte("\r"), []byte("\n"))
			lr.pos, lr.end, lr.owned = 0, len(lr.buf), true
		} else {
			crToLF(head)
		}
	}
	return nil
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
