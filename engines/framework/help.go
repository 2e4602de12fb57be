package framework

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// PathHelp is the answer to ?help=1 on a path, as Vault gives it: the
// help text made from the path's declarations and the path's OpenAPI
// document, as a raw (not enveloped) JSON body.
func PathHelp(mountPath string, p *Path) *Response {
	doc := NewOpenAPI("")
	doc.AddPath(mountPath, "", p)
	return helpResponse(pathHelpText(mountPath, p), doc)
}

// BackendHelp is the answer to ?help=1 on a mount itself: the backend's
// description and every path's synopsis.
func BackendHelp(mountPath string, b *Backend) *Response {
	var sb strings.Builder
	sb.WriteString("## DESCRIPTION\n\n")
	sb.WriteString(strings.TrimSpace(b.Help))
	sb.WriteString("\n\n## PATHS\n\nThe following paths are supported by this backend. To view help for\nany of the paths below, use the help command with any route matching\nthe path pattern. Note that depending on the policy of your auth token,\nyou may or may not be able to access certain paths.\n\n")
	patterns := make([]string, 0, len(b.Paths))
	byPattern := map[string]*Path{}
	for _, p := range b.Paths {
		pat := "^" + p.Pattern + "$"
		patterns = append(patterns, pat)
		byPattern[pat] = p
	}
	sort.Strings(patterns)
	for _, pat := range patterns {
		fmt.Fprintf(&sb, "    %s\n        %s\n\n", pat, strings.TrimSpace(byPattern[pat].Synopsis))
	}
	doc := NewOpenAPI("")
	doc.AddBackend(mountPath, "", b)
	return helpResponse(sb.String(), doc)
}

func helpResponse(text string, doc *OpenAPI) *Response {
	raw, err := json.Marshal(map[string]any{"help": text, "openapi": doc, "see_also": nil})
	if err != nil {
		return &Response{StatusCode: 500, Raw: []byte(`{"errors":["internal error"]}`), RawContentType: "application/json"}
	}
	return &Response{Raw: raw, RawContentType: "application/json"}
}

func pathHelpText(mountPath string, p *Path) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "Request:        %s\nMatching Route: ^%s$\n\n", strings.TrimSuffix(mountPath, "/")+"/"+p.Pattern, p.Pattern)
	sb.WriteString(strings.TrimSpace(p.Synopsis))
	sb.WriteString("\n\n")
	if len(p.Fields) > 0 {
		sb.WriteString("## PARAMETERS\n\n")
		names := make([]string, 0, len(p.Fields))
		for name := range p.Fields {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			f := p.Fields[name]
			desc := strings.TrimSpace(f.Description)
			if f.Deprecated {
				desc = "(DEPRECATED) " + desc
			}
			fmt.Fprintf(&sb, "    %s (%s)\n        %s\n\n", name, f.Type, desc)
		}
	}
	sb.WriteString("## DESCRIPTION\n\n")
	desc := strings.TrimSpace(p.Description)
	if desc == "" {
		desc = strings.TrimSpace(p.Synopsis)
	}
	sb.WriteString(desc)
	sb.WriteString("\n")
	return sb.String()
}
