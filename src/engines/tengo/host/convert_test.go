package main

import (
	"encoding/json"
	"testing"

	"github.com/d5/tengo/v2"
)

// JSON from the host decodes to the Tengo values the bridge rules name, and encodes back
// to the same JSON (maps with sorted keys, null dropped from maps).
func TestDecodeEncodeRoundTrip(t *testing.T) {
	for _, c := range []struct{ in, out string }{
		{`1`, `1`},
		{`-7`, `-7`},
		{`2.5`, `2.5`},
		{`1e300`, `1e+300`},
		{`9007199254740993`, `9007199254740993`},
		{`99999999999999999999`, `1e+20`},
		{`"plain"`, `"plain"`},
		{`"q\"b\\s\/n\n\t\u0001"`, `"q\"b\\s/n\n\t\u0001"`},
		{`"\u00e9\u4e16 \ud83c\udf89"`, `"é世 🎉"`},
		{`"héllo → 世界 🎉"`, `"héllo → 世界 🎉"`},
		{` [ 1 , null , "x" , [ ] , { } ] `, `[1,null,"x",[],{}]`},
		{`{"b":{"c":[true,false]},"a":null,"é":1}`, `{"b":{"c":[true,false]},"é":1}`},
	} {
		v, err := decodeValue(c.in)
		if err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		out, cerr := encode(v, "v", 1<<20)
		if cerr != nil {
			t.Fatalf("%s: %v", c.in, cerr.data())
		}
		if out != c.out {
			t.Errorf("%s: got %s, want %s", c.in, out, c.out)
		}
		if !json.Valid([]byte(out)) {
			t.Errorf("%s: %s is not valid JSON", c.in, out)
		}
	}
}

func TestDecodeKeepsIntAndFloatApart(t *testing.T) {
	v, _ := decodeValue(`[3, 3.0, 2.5e1]`)
	items := v.(*tengo.Array).Value
	if _, ok := items[0].(*tengo.Int); !ok {
		t.Errorf("3 should be an int, got %s", items[0].TypeName())
	}
	for _, f := range items[1:] {
		if _, ok := f.(*tengo.Float); !ok {
			t.Errorf("%s should be a float", f)
		}
	}
}

func TestDecodeRefusesBadJSON(t *testing.T) {
	for _, in := range []string{`{`, `[1,`, `"open`, `{"a" 1}`, `tru`, `1 2`, `"\x"`, `{1:2}`} {
		if _, err := decodeValue(in); err == nil {
			t.Errorf("%q: no error", in)
		}
	}
}

func TestEncodeNamesThePathOfWhatCannotCross(t *testing.T) {
	m := &tengo.Map{Value: map[string]tengo.Object{}}
	m.Value["self"] = m
	for _, c := range []struct {
		v    tengo.Object
		want string
	}{
		{m, "v.self: value contains itself (cycle)"},
		{&tengo.Array{Value: []tengo.Object{&tengo.Bytes{Value: []byte("x")}}}, "v[0]: bytes cannot cross the bridge: convert them with string(b) or base64.encode(b)"},
		{&tengo.String{Value: "\xff"}, "v: string is not valid UTF-8"},
	} {
		_, cerr := encode(c.v, "v", 1<<20)
		if cerr == nil || cerr.data().Message != c.want {
			t.Errorf("got %v, want %s", cerr, c.want)
		}
	}
	if _, cerr := encode(&tengo.String{Value: string(make([]byte, 100))}, "v", 10); cerr == nil || cerr.data().Type != "SpellOutputLimit" {
		t.Errorf("over the limit: got %v", cerr)
	}
}
