package config

import (
	"path/filepath"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// Audit is one `audit "file" "<path>" { ... }` block: an audit device the
// node runs from start, as OpenBao declares them (issue 10, item 12).
type Audit struct {
	Type        string
	Path        string
	Description string
	Local       bool
	// Options are the device's options (file_path, mode, format), from an
	// `options { ... }` block or an `options = { ... }` attribute.
	Options map[string]string
}

var auditSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "description"}, {Name: "local"}, {Name: "options"}},
	Blocks:     []hcl.BlockHeaderSchema{{Type: "options"}},
}

func decodeAudit(d *decoder, b *hcl.Block) (Audit, bool) {
	a := Audit{Type: b.Labels[0], Path: b.Labels[1], Options: map[string]string{}}
	if a.Type != "file" {
		d.add(unknownLabel(b, `"file"`))
		return a, false
	}
	content, diags := b.Body.Content(auditSchema)
	d.add(diags...)
	d.str(content.Attributes, "description", &a.Description)
	d.boolean(content.Attributes, "local", &a.Local)
	if attr, ok := content.Attributes["options"]; ok {
		if v, ok := d.value(attr); ok {
			d.stringMap(attr, v, a.Options)
		}
	}
	for _, ob := range content.Blocks {
		attrs, diags := ob.Body.JustAttributes()
		d.add(diags...)
		for _, attr := range attrs {
			if v, ok := d.value(attr); ok {
				d.stringMap(attr, cty.ObjectVal(map[string]cty.Value{attr.Name: v}), a.Options)
			}
		}
	}
	fp := a.Options["file_path"]
	switch {
	case fp == "":
		d.add(problem(b.DefRange, "Missing file_path", "An audit \"file\" block needs options { file_path = \"...\" }."))
		return a, false
	case fp != "stdout" && fp != "discard" && !filepath.IsAbs(fp):
		d.add(problem(b.DefRange, "Invalid file_path", "file_path must be an absolute path, \"stdout\" or \"discard\"."))
		return a, false
	}
	return a, true
}

// stringMap copies an object or map of strings (numbers and bools are
// written as HCL spells them) into dst.
func (d *decoder) stringMap(a *hcl.Attribute, v cty.Value, dst map[string]string) {
	t := v.Type()
	if !t.IsObjectType() && !t.IsMapType() {
		d.wrongType(a, "%s must be a map of strings.", a.Name)
		return
	}
	for it := v.ElementIterator(); it.Next(); {
		k, e := it.Element()
		switch {
		case e.IsNull():
			d.wrongType(a, "%s must not hold null.", a.Name)
		case e.Type() == cty.String:
			dst[k.AsString()] = e.AsString()
		case e.Type() == cty.Bool:
			dst[k.AsString()] = map[bool]string{true: "true", false: "false"}[e.True()]
		case e.Type() == cty.Number:
			dst[k.AsString()] = e.AsBigFloat().Text('f', -1)
		default:
			d.wrongType(a, "%s values must be strings.", a.Name)
		}
	}
}
