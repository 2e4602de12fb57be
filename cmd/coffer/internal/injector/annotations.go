package injector

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// VaultPrefix is vault-k8s's annotation prefix.
const VaultPrefix = "vault.hashicorp.com/"

// ErrAnnotation reports an annotation whose value cannot be used.
var ErrAnnotation = errors.New("injector: invalid annotation")

// annotations reads a pod's injector annotations under both prefixes:
// vault.hashicorp.com/<name> and coffer.<domain>/<name>, the latter
// winning.
type annotations struct {
	values map[string]string
	// prefix is the one the pod used for agent-inject (the status
	// annotation is written back under it).
	prefix string
}

func readAnnotations(all map[string]string) annotations {
	a := annotations{values: map[string]string{}, prefix: VaultPrefix}
	var coffer []string
	for k := range all {
		if strings.HasPrefix(k, VaultPrefix) {
			a.values[strings.TrimPrefix(k, VaultPrefix)] = all[k]
		} else if isCofferKey(k) {
			coffer = append(coffer, k)
		}
	}
	sort.Strings(coffer)
	for _, k := range coffer {
		p, name, _ := strings.Cut(k, "/")
		a.values[name] = all[k]
		if name == "agent-inject" {
			a.prefix = p + "/"
		}
	}
	return a
}

// isCofferKey: coffer.<domain>/<name>.
func isCofferKey(k string) bool {
	p, name, ok := strings.Cut(k, "/")
	return ok && name != "" && strings.HasPrefix(p, "coffer.") && len(p) > len("coffer.")
}

func (a annotations) get(name string) (string, bool) {
	v, ok := a.values[name]
	return v, ok
}

func (a annotations) str(name, def string) string {
	if v, ok := a.values[name]; ok && v != "" {
		return v
	}
	return def
}

func (a annotations) boolean(name string, def bool) (bool, error) {
	v, ok := a.values[name]
	if !ok || v == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%w: %s: %q is not true or false", ErrAnnotation, name, v)
	}
	return b, nil
}

func (a annotations) int64(name string, def int64) (int64, error) {
	v, ok := a.values[name]
	if !ok || v == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %s: %q is not a whole number", ErrAnnotation, name, v)
	}
	return n, nil
}

// secret is one agent-inject-secret-<name> with its companions.
type secret struct {
	Name     string // <name>: the file name unless agent-inject-file-<name>
	Path     string // the secret's path
	Template string // agent-inject-template-<name>, or the default
	// TemplateFile is agent-inject-template-file-<name>: a template file
	// inside the agent container.
	TemplateFile string
	File         string // agent-inject-file-<name>
	Perms        string // agent-inject-perms-<name>
	Command      string // agent-inject-command-<name>
	MountPath    string // secret-volume-path-<name>
}

// secrets lists agent-inject-secret-<name> in name order.
func (a annotations) secrets() []secret {
	var out []secret
	for k, v := range a.values {
		name, ok := strings.CutPrefix(k, "agent-inject-secret-")
		if !ok || name == "" {
			continue
		}
		out = append(out, secret{
			Name: name, Path: v,
			Template:     a.values["agent-inject-template-"+name],
			TemplateFile: a.values["agent-inject-template-file-"+name],
			File:         a.values["agent-inject-file-"+name],
			Perms:        a.values["agent-inject-perms-"+name],
			Command:      a.values["agent-inject-command-"+name],
			MountPath:    a.values["secret-volume-path-"+name],
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
