package config

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
)

var rootSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "api_addr"},
		{Name: "cluster_addr"},
		{Name: "log_level"},
		{Name: "ui"},
		{Name: "disable_mlock"},
		{Name: "unsafe_allow_api_audit_creation"},
	},
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "storage", LabelNames: []string{"type"}},
		{Type: "listener", LabelNames: []string{"type"}},
		{Type: "seal", LabelNames: []string{"type"}},
		{Type: "telemetry"},
		{Type: "audit", LabelNames: []string{"type", "path"}},
	},
}

// logLevels maps accepted spellings to the canonical level.
var logLevels = map[string]string{
	"trace": "trace", "debug": "debug", "info": "info",
	"warn": "warn", "warning": "warn", "error": "error", "err": "error",
}

// Load reads the configuration file at path (HCL, or HCL's JSON syntax when
// the name ends in .json), applies environment overrides read through env
// (nil means no environment) and validates the result. A configuration
// problem is an *Error (matching ErrInvalid) listing every problem with its
// file, line and column.
func Load(path string, env func(string) string) (*Config, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: read %s: %w", path, err)
	}
	return Parse(src, path, env)
}

// Parse is Load for a configuration already in memory; filename names it
// in diagnostics and picks the syntax (.json or HCL).
func Parse(src []byte, filename string, env func(string) string) (*Config, error) {
	if env == nil {
		env = func(string) string { return "" }
	}
	p := hclparse.NewParser()
	var file *hcl.File
	var diags hcl.Diagnostics
	if strings.EqualFold(filepath.Ext(filename), ".json") {
		file, diags = p.ParseJSON(src, filename)
	} else {
		file, diags = p.ParseHCL(src, filename)
	}
	if diags.HasErrors() {
		return nil, &Error{Diagnostics: diags}
	}

	d := &decoder{}
	cfg, sealBlock := decode(d, file.Body)
	applyEnv(d, cfg, sealBlock, env)
	if d.diags.HasErrors() {
		return nil, &Error{Diagnostics: d.diags}
	}
	return cfg, nil
}

// decode reads the file into a Config; it also returns the seal block (nil
// if none), which the environment may override or complete.
func decode(d *decoder, body hcl.Body) (*Config, *hcl.Block) {
	cfg := &Config{LogLevel: "info", Seal: Seal{Type: SealShamir}}
	content, diags := body.Content(rootSchema)
	d.add(diags...)

	attrs := content.Attributes
	if d.str(attrs, "api_addr", &cfg.APIAddr) {
		checkURL(d, "api_addr", cfg.APIAddr, rangeOf(attrs, "api_addr", hcl.Range{}))
	}
	if d.str(attrs, "cluster_addr", &cfg.ClusterAddr) {
		checkURL(d, "cluster_addr", cfg.ClusterAddr, rangeOf(attrs, "cluster_addr", hcl.Range{}))
	}
	var level string
	if d.str(attrs, "log_level", &level) && level != "" {
		if canon, ok := logLevels[strings.ToLower(level)]; ok {
			cfg.LogLevel = canon
		} else {
			d.add(problem(rangeOf(attrs, "log_level", hcl.Range{}), "Invalid log_level",
				"%q is not a log level; use trace, debug, info, warn or error.", level))
		}
	}
	d.boolean(attrs, "ui", &cfg.UI)
	d.boolean(attrs, "disable_mlock", &cfg.DisableMlock)
	d.boolean(attrs, "unsafe_allow_api_audit_creation", &cfg.UnsafeAllowAPIAuditCreation)

	var storageSeen, sealSeen, telemetrySeen *hcl.Block
	for _, b := range content.Blocks {
		switch b.Type {
		case "storage":
			if storageSeen != nil {
				d.add(duplicate(b, storageSeen))
				continue
			}
			storageSeen = b
			cfg.Storage = decodeStorage(d, b)
		case "listener":
			if l, ok := decodeListener(d, b); ok {
				for _, other := range cfg.Listeners {
					if other.Address == l.Address {
						d.add(problem(b.DefRange, "Duplicate listener address", "Another listener already uses %s.", l.Address))
					}
				}
				cfg.Listeners = append(cfg.Listeners, l)
			}
		case "seal":
			if sealSeen != nil {
				d.add(duplicate(b, sealSeen))
				continue
			}
			sealSeen = b
			cfg.Seal = decodeSeal(d, b)
		case "audit":
			if a, ok := decodeAudit(d, b); ok {
				for _, other := range cfg.Audit {
					if other.Path == a.Path {
						d.add(problem(b.DefRange, "Duplicate audit path", "Another audit block already uses the path %q.", a.Path))
					}
				}
				cfg.Audit = append(cfg.Audit, a)
			}
		case "telemetry":
			if telemetrySeen != nil {
				d.add(duplicate(b, telemetrySeen))
				continue
			}
			telemetrySeen = b
			cfg.Telemetry = decodeTelemetry(d, b)
		}
	}
	missing := body.MissingItemRange()
	if storageSeen == nil {
		d.add(problem(missing, "Missing storage block", `A storage "ledger" block with a path is required.`))
	}
	if len(cfg.Listeners) == 0 && !hasBlock(content.Blocks, "listener") {
		d.add(problem(missing, "Missing listener block", `At least one listener "tcp" block is required.`))
	}
	if storageSeen != nil {
		checkRouteTLS(d, cfg, storageSeen)
		warnOpenRoutes(cfg, storageSeen)
	}
	return cfg, sealSeen
}

func hasBlock(blocks hcl.Blocks, typ string) bool {
	for _, b := range blocks {
		if b.Type == typ {
			return true
		}
	}
	return false
}

func duplicate(b, first *hcl.Block) *hcl.Diagnostic {
	r := first.DefRange
	return problem(b.DefRange, "Duplicate "+b.Type+" block",
		"Only one %s block is allowed; the first is at %s:%d:%d.", b.Type, r.Filename, r.Start.Line, r.Start.Column)
}

// checkURL requires an absolute http(s) URL, as Vault does for api_addr and
// cluster_addr: clients are redirected to it verbatim.
func checkURL(d *decoder, name, s string, rng hcl.Range) {
	if msg := urlProblem(s); msg != "" {
		d.add(problem(rng, "Invalid "+name, "%s %s.", name, msg))
	}
}

func urlProblem(s string) string {
	u, err := url.Parse(s)
	switch {
	case err != nil, u.Scheme != "http" && u.Scheme != "https":
		return "must be an http:// or https:// URL"
	case u.Host == "":
		return "must name a host"
	}
	return ""
}
