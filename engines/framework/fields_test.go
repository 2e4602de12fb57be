package framework

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The values below are what clients send: JSON from the API (numbers as
// json.Number, as the gateway decodes them), and strings from the Vault
// CLI, whose "key=value" arguments are always strings and whose
// "key=@file" arguments are the file's contents.
func TestFieldCoercions(t *testing.T) {
	sql := "CREATE ROLE \"{{name}}\";\nGRANT SELECT, INSERT ON t TO \"{{name}}\";\n"
	for _, tc := range []struct {
		typ  FieldType
		in   any
		want any
	}{
		{TypeString, "x", "x"},
		{TypeString, json.Number("12"), "12"},
		{TypeString, true, "1"},
		{TypeString, sql, sql},
		{TypeLowerCaseString, "MiXed", "mixed"},
		{TypeNameString, "role-1.a", "role-1.a"},
		{TypeBool, true, true},
		{TypeBool, "true", true},
		{TypeBool, "1", true},
		{TypeBool, "false", false},
		{TypeBool, "", false},
		{TypeBool, json.Number("0"), false},
		{TypeInt, json.Number("42"), 42},
		{TypeInt, "42", 42},
		{TypeInt, "", 0},
		{TypeInt, "0x10", 16},
		{TypeInt, true, 1},
		{TypeDurationSecond, json.Number("3600"), time.Hour},
		{TypeDurationSecond, "3600", time.Hour},
		{TypeDurationSecond, "90m", 90 * time.Minute},
		{TypeDurationSecond, "7d", 7 * 24 * time.Hour},
		{TypeDurationSecond, "", time.Duration(0)},
		{TypeSignedDurationSecond, "-1s", -time.Second},
		{TypeCommaStringSlice, "a,b , c", []string{"a", "b", "c"}},
		{TypeCommaStringSlice, []any{"a", "b"}, []string{"a", "b"}},
		{TypeCommaStringSlice, "", []string{}},
		{TypeStringSlice, sql, []string{strings.TrimSpace(sql)}},
		{TypeStringSlice, []any{"a, b", "c"}, []string{"a, b", "c"}},
		{TypeStringSlice, "", []string{}},
		{TypeCommaIntSlice, "1,2,3", []int{1, 2, 3}},
		{TypeCommaIntSlice, []any{json.Number("1"), "2"}, []int{1, 2}},
		{TypeCommaIntSlice, json.Number("4"), []int{4}},
		{TypeKVPairs, map[string]any{"a": "1", "b": json.Number("2")}, map[string]string{"a": "1", "b": "2"}},
		{TypeKVPairs, []any{"a=1", "b=x=y"}, map[string]string{"a": "1", "b": "x=y"}},
		{TypeMap, map[string]any{"k": "v"}, map[string]any{"k": "v"}},
		{TypeTime, "2026-01-02T03:04:05Z", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
	} {
		got, err := Coerce(tc.typ, tc.in)
		require.NoError(t, err, "%s %v", tc.typ, tc.in)
		assert.Equal(t, tc.want, got, "%s %#v", tc.typ, tc.in)
	}
	for _, tc := range []struct {
		typ FieldType
		in  any
	}{
		{TypeBool, "perhaps"},
		{TypeInt, "1.5"},
		{TypeInt, []any{1}},
		{TypeDurationSecond, "soon"},
		{TypeDurationSecond, "-5"},
		{TypeNameString, "not a name"},
		{TypeMap, "text"},
		{TypeKVPairs, []any{"novalue"}},
		{TypeCommaIntSlice, "1,x"},
	} {
		_, err := Coerce(tc.typ, tc.in)
		assert.Error(t, err, "%s %#v", tc.typ, tc.in)
	}
}

func TestFieldDataDefaultsPresenceAndValidation(t *testing.T) {
	schema := map[string]*FieldSchema{
		"ttl":       {Type: TypeDurationSecond, Default: "1h"},
		"renewable": {Type: TypeBool, Default: true},
		"name":      {Type: TypeString},
	}
	d := &FieldData{Raw: map[string]any{"name": "x", "renewable": nil, "extra": 1}, Schema: schema}
	require.NoError(t, d.Validate())
	assert.Equal(t, time.Hour, d.Duration("ttl"), "absent: the default")
	_, ok := d.DurationOk("ttl")
	assert.False(t, ok)
	v, ok := d.BoolOk("renewable")
	assert.True(t, ok, "given as null is given")
	assert.True(t, v, "null reads as the default")
	assert.Equal(t, []string{"extra"}, d.Ignored(d.Raw))

	bad := &FieldData{Raw: map[string]any{"ttl": "soon"}, Schema: schema}
	err := bad.Validate()
	require.ErrorIs(t, err, ErrFieldValidation)
	assert.Contains(t, err.Error(), `error converting input soon for field "ttl"`)
	assert.Panics(t, func() { d.String("undeclared") }, "reading an undeclared field is a programming error")
}

func TestHandleWarnsAboutUndeclaredFieldsAndRecoversPanics(t *testing.T) {
	p := &Path{Pattern: "x", Fields: map[string]*FieldSchema{"a": {Type: TypeString}}, Operations: map[Operation]HandlerFunc{
		UpdateOperation: func(req *Request) (*Response, error) {
			return &Response{Data: map[string]any{"a": req.String("a")}}, nil
		},
		ReadOperation: func(req *Request) (*Response, error) {
			return &Response{Data: map[string]any{"b": req.String("b")}}, nil
		},
	}}
	resp, err := Handle(p, &Request{Operation: UpdateOperation, Data: map[string]any{"a": "1", "z": 2, "y": 3}})
	require.NoError(t, err)
	assert.Equal(t, []string{"Endpoint ignored these unrecognized parameters: [y z]"}, resp.Warnings)
	_, err = Handle(p, &Request{Operation: ReadOperation})
	require.ErrorIs(t, err, ErrHandlerPanic)
	status, msgs := StatusOf(err)
	assert.Equal(t, 500, status)
	assert.Equal(t, []string{"internal error"}, msgs)
}
