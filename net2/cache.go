package net2

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/net2booking/net2booking/accessplan"
)

// Cache is what net2booking remembers of a Net2 site between runs, in a local file, so that a
// one-shot `sync` started by a scheduler costs what a cycle of the running service costs (a
// login and one GET /users) instead of a full read of every managed user: the resolved ids of
// the configuration's names, what was written to each managed user (department, permission
// set, tokens), the token values of every user (to keep QR numbers unique), and when all of it
// was last read back in full.
//
// Net2 stays the system of record: the file is only ever a cache. It is trusted only when it
// was written by a clean end of a cycle for the same server, operator and configuration
// names (Identity); a cycle that starts writing marks it dirty first, so a crash half-way
// leaves a file that is ignored. Losing or distrusting it costs one full read. Nothing secret
// is stored (no password, no access token).
type Cache struct {
	path     string
	identity string
	log      *slog.Logger

	mu    sync.Mutex
	data  cacheData
	dirty bool   // the file on disk is marked dirty (a write is under way)
	saved []byte // what the file holds now, so an unchanged state is not written again
}

// cacheVersion is the file format; another version is ignored.
const cacheVersion = 1

type cacheData struct {
	Version  int    `json:"version"`
	Identity string `json:"identity"`
	Clean    bool   `json:"clean"`

	Site   *Site     `json:"site,omitempty"`
	SiteAt time.Time `json:"siteAt"`

	VerifiedAt time.Time              `json:"verifiedAt"`
	Details    map[int]*cachedDetails `json:"details,omitempty"`

	Tokens          map[int][]string `json:"tokens,omitempty"` // token values per user id
	TokensScannedAt time.Time        `json:"tokensScannedAt"`
}

// cachedDetails is userDetails on disk.
type cachedDetails struct {
	Department  int                    `json:"department"`
	Permissions accessplan.Permissions `json:"permissions"`
	Tokens      []Token                `json:"tokens,omitempty"`
}

// OpenCache reads the cache file at path for a site known by identity (e.g. the Net2 URL and
// operator): a missing, unreadable, dirty or foreign file gives an empty cache, with a log
// line saying why. path "" gives a cache kept in memory only.
func OpenCache(path, identity string, logger *slog.Logger) *Cache {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	c := &Cache{path: path, identity: identity, log: logger}
	c.data = cacheData{Version: cacheVersion, Identity: identity}
	if path == "" {
		return c
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		logger.Info("net2: no cache file yet; the first cycle reads every managed user in full", "file", path)
		return c
	}
	var d cacheData
	switch {
	case err != nil:
		logger.Warn("net2: cache file unreadable; reading Net2 in full", "file", path, "error", err.Error())
	case json.Unmarshal(b, &d) != nil:
		logger.Warn("net2: cache file is not valid; reading Net2 in full", "file", path)
	case d.Version != cacheVersion:
		logger.Info("net2: cache file has another format; reading Net2 in full", "file", path)
	case d.Identity != identity:
		logger.Info("net2: cache file is of another Net2 server, operator or configuration; reading Net2 in full", "file", path)
	case !d.Clean:
		logger.Warn("net2: cache file was left by an interrupted cycle; reading Net2 in full", "file", path)
	default:
		c.data = d
		c.saved = b
	}
	return c
}

// Path is the file's path ("" for a cache in memory).
func (c *Cache) Path() string { return c.path }

// site returns the cached resolution of the configuration's names, if younger than maxAge.
func (c *Cache) site(now time.Time, maxAge time.Duration) (Site, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.data.Site == nil || now.Sub(c.data.SiteAt) >= maxAge || now.Before(c.data.SiteAt) {
		return Site{}, false
	}
	return *c.data.Site, true
}

func (c *Cache) setSite(s Site, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.data.Site, c.data.SiteAt = &s, at
}

// markDirty marks the file as not to be trusted before the first write of a cycle, so a crash
// during the writes leaves a file the next run ignores.
func (c *Cache) markDirty() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dirty || c.path == "" {
		return nil
	}
	d := c.data
	d.Clean = false
	if err := c.writeLocked(d); err != nil {
		// Remove it instead: a stale clean file must never be believed.
		if rmErr := os.Remove(c.path); rmErr != nil && !errors.Is(rmErr, fs.ErrNotExist) {
			return fmt.Errorf("net2: cache file %s can be neither marked nor removed before writing to Net2: %w", c.path, err)
		}
	}
	c.dirty = true
	return nil
}

// save writes d as the clean state.
func (c *Cache) save(d cacheData) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	d.Version, d.Identity, d.Clean = cacheVersion, c.identity, true
	d.Site, d.SiteAt = c.data.Site, c.data.SiteAt
	c.data = d
	if c.path == "" {
		return nil
	}
	if err := c.writeLocked(d); err != nil {
		return err
	}
	c.dirty = false
	return nil
}

// writeLocked writes the file atomically (temporary file, then rename), unless it already
// holds exactly this (a steady cycle changes nothing, and writes nothing).
func (c *Cache) writeLocked(d cacheData) error {
	b, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("net2: encoding the cache: %w", err)
	}
	if bytes.Equal(b, c.saved) {
		return nil
	}
	dir := filepath.Dir(c.path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("net2: cache folder %s: %w", dir, err)
	}
	tmp, err := os.CreateTemp(dir, filepath.Base(c.path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("net2: writing the cache file: %w", err)
	}
	_, werr := tmp.Write(b)
	cerr := tmp.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), c.path)
	}
	if werr != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("net2: writing the cache file %s: %w", c.path, werr)
	}
	c.saved = b
	return nil
}

// loaded returns the state read from the file.
func (c *Cache) loaded() cacheData {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.data
}

// ResolveSiteCached is ResolveSite with its answer kept in cache for maxAge (use
// safety.verify_every), so a scheduled one-shot sync does not read every reference list of
// Net2 each time. A failed resolution is never cached.
func ResolveSiteCached(ctx context.Context, client *Client, names SiteNames, cache *Cache, maxAge time.Duration) (Site, []error) {
	now := client.now()
	if cache != nil {
		if s, ok := cache.site(now, maxAge); ok {
			return s, nil
		}
	}
	s, errs := ResolveSite(ctx, client, names)
	if len(errs) == 0 && cache != nil {
		cache.setSite(s, now)
	}
	return s, errs
}

// CacheIdentity names what a cache file is valid for: one Net2 server, one operator and one
// set of configured names (a change of marker field, doors or grant mode makes an old file
// meaningless). It holds no secret: the names are hashed.
func CacheIdentity(baseURL, operator string, names SiteNames) string {
	b, _ := json.Marshal(names)
	sum := sha256.Sum256(append([]byte(strings.ToLower(baseURL)+"\x00"+strings.ToLower(operator)+"\x00"), b...))
	return hex.EncodeToString(sum[:16])
}
