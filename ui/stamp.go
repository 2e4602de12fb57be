package ui

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

// SourceDigest computes, over the web/ sources in fsys, the digest
// web/scripts/stamp.mjs writes to dist/source.sha256 after a build: for
// every file (not node_modules, not dot-files) in path order,
// "<path>\x00<sha256 hex>\n", hashed together.
func SourceDigest(fsys fs.FS) (string, error) {
	var files []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != "." && (d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".")) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("ui: walking the sources: %w", err)
	}
	sort.Strings(files)
	all := sha256.New()
	for _, f := range files {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return "", fmt.Errorf("ui: %w", err)
		}
		sum := sha256.Sum256(b)
		fmt.Fprintf(all, "%s\x00%s\n", f, hex.EncodeToString(sum[:]))
	}
	return hex.EncodeToString(all.Sum(nil)), nil
}

// BuiltDigest is the digest recorded in the embedded dist/.
func BuiltDigest() (string, error) {
	b, err := fs.ReadFile(dist, "dist/source.sha256")
	if err != nil {
		return "", fmt.Errorf("ui: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}
