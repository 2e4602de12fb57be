package template

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/cmd/coffer/internal/agent/config"
)

// mapSource answers from a map, recording what was asked.
type mapSource struct {
	secrets map[Dep]*vault.Secret
	asked   []Dep
}

func (m *mapSource) Get(d Dep) (*vault.Secret, error) {
	m.asked = append(m.asked, d)
	s, ok := m.secrets[d]
	if !ok {
		return nil, nil
	}
	return s, nil
}

// decoded is a secret as Vault's client decodes it (numbers as json.Number).
func decoded(t *testing.T, raw string) *vault.Secret {
	t.Helper()
	s, err := vault.ParseSecret(strings.NewReader(raw))
	require.NoError(t, err)
	return s
}

func source(t *testing.T) *mapSource {
	return &mapSource{secrets: map[Dep]*vault.Secret{
		{Kind: Read, Path: "database/creds/myapp-readwrite"}: decoded(t, `{"lease_id":"database/creds/myapp-readwrite/abc","lease_duration":3600,"renewable":true,
			"data":{"username":"v-token-myapp-rw-1","password":"A1a-pw"}}`),
		{Kind: Read, Path: "secret/data/myapp/config"}: decoded(t, `{"data":{"data":{"api_key":"abc123","port":8080,"tags":["a","b"]},
			"metadata":{"version":3,"created_time":"2026-11-27T03:33:45Z"}}}`),
		{Kind: List, Path: "secret/metadata/myapp"}: decoded(t, `{"data":{"keys":["zeta","config","alpha/"]}}`),
		{Kind: PKI, Path: "pki/issue/web", Params: "common_name=a.example.com&ttl=24h"}: decoded(t, `{"data":{"certificate":"CERT","private_key":"KEY",
			"issuing_ca":"CA","ca_chain":["CA","ROOT"]}}`),
		{Kind: Write, Path: "transit/encrypt/user-pii", Params: "plaintext=aGk="}: decoded(t, `{"data":{"ciphertext":"vault:v1:xyz"}}`),
	}}
}

func render(t *testing.T, text string, mod ...func(*config.Template)) (string, []Dep, error) {
	t.Helper()
	c := config.Template{Contents: text, Destination: "/x", LeftDelim: "{{", RightDelim: "}}"}
	for _, m := range mod {
		m(&c)
	}
	tm, err := New(c)
	require.NoError(t, err)
	out, deps, err := tm.Render(source(t))
	return string(out), deps, err
}

func TestTutorialTemplate(t *testing.T) {
	out, deps, err := render(t, `{{- with secret "database/creds/myapp-readwrite" -}}
DB_USERNAME={{ .Data.username }}
DB_PASSWORD={{ .Data.password }}
{{- end -}}
`)
	require.NoError(t, err)
	require.Equal(t, "DB_USERNAME=v-token-myapp-rw-1\nDB_PASSWORD=A1a-pw", out)
	require.Equal(t, []Dep{{Kind: Read, Path: "database/creds/myapp-readwrite"}}, deps)
}

func TestTemplateLanguage(t *testing.T) {
	t.Setenv("APP_ENV", "prod")
	for name, tc := range map[string]struct{ text, want string }{
		"kv v2":           {`{{ with secret "/secret/data/myapp/config/" }}{{ .Data.data.api_key }}:{{ .Data.data.port }} v{{ .Data.metadata.version }}{{ end }}`, "abc123:8080 v3"},
		"range":           {`{{ with secret "secret/data/myapp/config" }}{{ range $k, $v := .Data.data }}{{ $k }}={{ $v }};{{ end }}{{ end }}`, "api_key=abc123;port=8080;tags=[a b];"},
		"toJSON":          {`{{ with secret "secret/data/myapp/config" }}{{ .Data.data | toJSON }}{{ end }}`, `{"api_key":"abc123","port":8080,"tags":["a","b"]}`},
		"toJSONPretty":    {`{{ with secret "secret/data/myapp/config" }}{{ .Data.data.tags | toJSONPretty }}{{ end }}`, "[\n  \"a\",\n  \"b\"\n]"},
		"toYAML":          {`{{ with secret "secret/data/myapp/config" }}{{ .Data.data | toYAML }}{{ end }}`, "api_key: abc123\nport: 8080\ntags:\n    - a\n    - b"},
		"base64":          {`{{ "hello" | base64Encode }} {{ "aGVsbG8=" | base64Decode }} {{ "a?b" | base64URLEncode }}`, "aGVsbG8= hello YT9i"},
		"env":             {`{{ env "APP_ENV" }} {{ envOrDefault "NOPE_UNSET" "dflt" }}`, "prod dflt"},
		"missing key":     {`{{ with secret "secret/data/myapp/config" }}[{{ .Data.data.nope }}]{{ end }}`, "[<no value>]"},
		"secrets":         {`{{ range secrets "secret/metadata/myapp" }}{{ . }},{{ end }}`, "alpha/,config,zeta,"},
		"pkiCert":         {`{{ with pkiCert "pki/issue/web" "ttl=24h" "common_name=a.example.com" }}{{ .Cert }}|{{ .Key }}|{{ .CA }}|{{ .Data.Cert }}|{{ index .CAChain 1 }}{{ end }}`, "CERT|KEY|CA|CERT|ROOT"},
		"secret write":    {`{{ with secret "transit/encrypt/user-pii" "plaintext=aGk=" }}{{ .Data.ciphertext }}{{ end }}`, "vault:v1:xyz"},
		"strings":         {`{{ "A,b" | split "," | join ";" }} {{ "  x " | trimSpace | toUpper }} {{ "foo-bar" | replaceAll "-" "_" }} {{ "abc" | trimPrefix "a" }}`, "A;b X foo_bar bc"},
		"regex":           {`{{ "v1.2.3" | regexReplaceAll "[^0-9]" "" }} {{ "abc" | regexMatch "^a" }}`, "123 true"},
		"math pipe order": {`{{ 10 | subtract 2 }} {{ add 1 2 }} {{ 10 | divide 4 }} {{ 2.5 | multiply 2 }} {{ 7 | modulo 3 }} {{ maximum 3 9 }}`, "8 3 2 5 1 9"},
		"contains":        {`{{ with secret "secret/data/myapp/config" }}{{ .Data.data.tags | contains "b" }} {{ in .Data.data.tags "z" }} {{ .Data.data.tags | containsAll (split "," "a,b") }}{{ end }}`, "true false true"},
		"parse":           {`{{ with parseJSON "{\"a\":[1,2]}" }}{{ index .a 1 }}{{ end }} {{ parseInt "42" | add 1 }} {{ parseBool "true" }}`, "2 43 true"},
		"loop":            {`{{ range loop 3 }}{{ . }}{{ end }}-{{ range loop 2 4 }}{{ . }}{{ end }}`, "012-23"},
		"indent":          {`{{ "a\nb" | indent 2 }}`, "  a\n  b"},
		"hash":            {`{{ "x" | sha256Hex }}`, "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"},
		"executeTemplate": {`{{ define "user" }}U={{ .Data.username }}{{ end }}{{ with secret "database/creds/myapp-readwrite" }}{{ executeTemplate "user" . }}{{ end }}`, "U=v-token-myapp-rw-1"},
	} {
		t.Run(name, func(t *testing.T) {
			out, _, err := render(t, tc.text)
			require.NoError(t, err)
			require.Equal(t, tc.want, out)
		})
	}
}

func TestTemplateErrors(t *testing.T) {
	_, _, err := render(t, `{{ with secret "secret/data/myapp/config" }}{{ .Data.data.nope }}{{ end }}`, func(c *config.Template) { c.ErrorOnMissingKey = true })
	require.ErrorContains(t, err, `map has no entry for key "nope"`)

	_, deps, err := render(t, `{{ with secret "secret/data/absent" }}{{ .Data }}{{ end }}`)
	require.True(t, errors.Is(err, ErrNoSecret), "%v", err)
	require.Equal(t, []Dep{{Kind: Read, Path: "secret/data/absent"}}, deps, "a failed render still names what it waits for")

	_, _, err = render(t, `{{ key "service/x" }}`)
	require.True(t, errors.Is(err, ErrNoConsul), "%v", err)

	_, _, err = render(t, `{{ mustEnv "COFFER_SURELY_UNSET" }}`)
	require.ErrorContains(t, err, "COFFER_SURELY_UNSET is not set")

	_, _, err = render(t, `{{ secret "x" "novalue" }}`)
	require.ErrorContains(t, err, "is not key=value")

	_, err = New(config.Template{Contents: "{{ with }", Destination: "/x", LeftDelim: "{{", RightDelim: "}}"})
	require.Error(t, err)
	_, err = New(config.Template{Source: "/nonexistent/template", Destination: "/x", LeftDelim: "{{", RightDelim: "}}"})
	require.ErrorContains(t, err, "read source")
}

func TestDelimitersAndDepDedupe(t *testing.T) {
	out, deps, err := render(t, `[[ with secret "database/creds/myapp-readwrite" ]][[ .Data.username ]][[ end ]] {{ literal }} [[ with secret "database/creds/myapp-readwrite" ]][[ .Data.password ]][[ end ]]`,
		func(c *config.Template) { c.LeftDelim, c.RightDelim = "[[", "]]" })
	require.NoError(t, err)
	require.Equal(t, "v-token-myapp-rw-1 {{ literal }} A1a-pw", out)
	require.Len(t, deps, 1, "one path read twice is one dependency")
}

func TestDepString(t *testing.T) {
	d, err := newDep(Read, "transit/encrypt/k", []string{"plaintext=c2VjcmV0"})
	require.NoError(t, err)
	require.Equal(t, Write, d.Kind)
	require.NotContains(t, d.String(), "c2VjcmV0", "parameters may be secret")
	require.Equal(t, map[string]any{"plaintext": "c2VjcmV0"}, d.Data())
	raw, _ := json.Marshal(d.Data())
	require.JSONEq(t, `{"plaintext":"c2VjcmV0"}`, string(raw))
}
