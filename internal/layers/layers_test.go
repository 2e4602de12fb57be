package layers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/cofferhq/coffer"

// Layers, lowest first. A package may import its own layer and lower ones.
const (
	layerBase        = iota // ledger and what it builds on
	layerSchema             // event schemas (and the policy language)
	layerProjections        // read models
	layerCommands           // decide/append/wait
	layerEngines            // engines, auth methods, sys services, framework
	layerGateway            // the HTTP server
	layerCmd                // node (the composition root) and the binary
	layerTestKit            // test support: imported by tests only
	layerScenarios          // end-to-end tests against the binary
)

var layerNames = []string{"base", "event schemas", "projections", "commands", "engines", "gateway", "cmd", "test kit", "scenarios"}

// rules map a path prefix (relative to the module) to its layer; the
// longest prefix wins. A package matching none is an error, so a new
// top-level folder must be placed here.
var rules = []struct {
	prefix string
	layer  int
}{
	{"ledger", layerBase},
	// The singleton election builds on JetStream alone.
	{"cluster/", layerBase},
	// apierror is the error catalogue every layer raises its errors with;
	// it imports nothing of Coffer's.
	{"internal/apierror", layerBase},
	{"events/", layerSchema},
	// The ACL policy language is the policy aggregate's rule set: a pure
	// leaf (it imports nothing of Coffer's), read by the policy read model
	// and the gateway alike. It lives under commands/ by history.
	{"commands/acl", layerSchema},
	{"projections", layerProjections},
	{"commands", layerCommands},
	{"engines/", layerEngines},
	{"gateway", layerGateway},
	// The web UI's static files, served beside the gateway; they import
	// nothing of Coffer's (the app speaks the public API).
	{"ui", layerGateway},
	{"node", layerCmd},
	{"cmd/", layerCmd},
	{"internal/", layerTestKit},
	{"scenarios", layerScenarios},
}

func layerOf(rel string) (int, bool) {
	best, layer := -1, 0
	for _, r := range rules {
		p := strings.TrimSuffix(r.prefix, "/")
		if (rel == p || strings.HasPrefix(rel, p+"/")) && len(p) > best {
			best, layer = len(p), r.layer
		}
	}
	return layer, best >= 0
}

// scenarioMayImport are the only Coffer packages a scenario may use: the
// throw-away PostgreSQL (the binary itself is the surface under test).
var scenarioMayImport = map[string]bool{"internal/testpg": true}

type pkg struct {
	ImportPath string
	Imports    []string
}

// violations returns every import that breaks the rules, sorted.
func violations(pkgs []pkg) []string {
	var out []string
	for _, p := range pkgs {
		rel, ok := relative(p.ImportPath)
		if !ok {
			continue
		}
		from, known := layerOf(rel)
		if !known {
			out = append(out, fmt.Sprintf("%s: no layer (add its folder to the rules)", rel))
			continue
		}
		for _, imp := range p.Imports {
			irel, ok := relative(imp)
			if !ok {
				continue
			}
			to, known := layerOf(irel)
			switch {
			case !known:
				out = append(out, fmt.Sprintf("%s imports %s, which has no layer", rel, irel))
			case from == layerScenarios:
				if to != layerScenarios && !scenarioMayImport[irel] {
					out = append(out, fmt.Sprintf("%s imports %s: scenarios use public surfaces only", rel, irel))
				}
			case to == layerTestKit && from != layerTestKit && from != layerScenarios:
				out = append(out, fmt.Sprintf("%s (%s) imports the test kit %s", rel, layerNames[from], irel))
			case to == layerScenarios && from != layerScenarios:
				out = append(out, fmt.Sprintf("%s imports the scenario package %s", rel, irel))
			case to > from && from != layerTestKit:
				out = append(out, fmt.Sprintf("%s (%s) imports %s (%s): dependencies point ledger <- event schemas <- projections and commands <- engines <- gateway <- cmd", rel, layerNames[from], irel, layerNames[to]))
			case from == layerTestKit && to == layerCmd:
				out = append(out, fmt.Sprintf("%s (test kit) imports %s: a kit below the node keeps package tests free of cycles", rel, irel))
			}
		}
	}
	sort.Strings(out)
	return out
}

func relative(importPath string) (string, bool) {
	if importPath == module {
		return "", true
	}
	rest, ok := strings.CutPrefix(importPath, module+"/")
	return rest, ok
}

// TestImportsPointOneWay lists every package of the module and checks
// its (non-test) imports.
func TestImportsPointOneWay(t *testing.T) {
	cmd := exec.Command("go", "list", "-json", module+"/...")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	var pkgs []pkg
	dec := json.NewDecoder(&stdout)
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatalf("go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 50 {
		t.Fatalf("go list found %d packages; the test is not looking at the module", len(pkgs))
	}
	for _, v := range violations(pkgs) {
		t.Error(v)
	}
}

// TestRuleCatchesViolations feeds the checker imports that break each rule
// (and some that do not), so a change that makes it blind fails here.
func TestRuleCatchesViolations(t *testing.T) {
	p := func(from string, imports ...string) pkg {
		full := make([]string, len(imports))
		for i, imp := range imports {
			full[i] = module + "/" + imp
		}
		return pkg{ImportPath: module + "/" + from, Imports: append(full, "fmt")}
	}
	for _, tc := range []struct {
		name string
		pkg  pkg
		bad  bool
	}{
		{"read model imports a command package", p("projections/leasestore", "commands/lease"), true},
		{"command imports an engine", p("commands/mount", "engines/framework"), true},
		{"schema imports a read model", p("events/kvevent", "projections"), true},
		{"ledger imports a schema", p("ledger", "events/kvevent"), true},
		{"engine imports the gateway", p("engines/sys", "gateway"), true},
		{"gateway imports the node", p("gateway", "node"), true},
		{"production code imports the test kit", p("engines/kv", "internal/testkit"), true},
		{"scenario imports an engine", p("scenarios/harness", "engines/kv"), true},
		{"unplaced folder", p("newthing/x"), true},
		{"import of an unplaced folder", p("engines/kv", "newthing/x"), true},
		{"test kit imports the node", p("internal/testkit", "node"), true},
		{"command imports its read model", p("commands/kv", "projections/kvstore", "events/kvevent", "ledger"), false},
		{"engine imports commands and schemas", p("engines/kv", "commands/kv", "events/kvevent", "internal/apierror"), false},
		{"node imports everything below", p("node", "gateway", "engines/kv", "commands/mount", "projections", "ledger"), false},
		{"test kit imports engines", p("internal/testkit", "engines/framework", "ledger"), false},
		{"scenario imports testpg", p("scenarios/loadgen", "internal/testpg", "scenarios/harness"), false},
		{"schema imports the ledger and apierror", p("events/leaseevent", "ledger", "internal/apierror"), false},
	} {
		got := violations([]pkg{tc.pkg})
		if tc.bad && len(got) == 0 {
			t.Errorf("%s: not reported", tc.name)
		}
		if !tc.bad && len(got) != 0 {
			t.Errorf("%s: reported %v", tc.name, got)
		}
	}
}
