package main

// Conversion between Tengo values and JSON (DESIGN §3): what crosses the bridge is
// JSON text, converted here on the Tengo side where the value's types are visible.

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/d5/tengo/v2"
)

// errorData is SpellErrorData of src/journal/types.ts.
type errorData struct {
	Type    string `json:"type"`
	Message string `json:"message"`
	Where   string `json:"where,omitempty"`
}

// A value that cannot cross the bridge, named by its path (`tool.call.args.x`).
type conversionError struct {
	path, message string
	overLimit     bool
	limit         int
}

func (e *conversionError) data() errorData {
	if e.overLimit {
		return errorData{Type: "SpellOutputLimit", Message: e.path + ": the value as JSON is over the output limit of " + itoa(int64(e.limit)) + " bytes"}
	}
	return errorData{Type: "SpellBridgeArgument", Message: e.path + ": " + e.message}
}

const maxDepth = 200

type encoder struct {
	buf   []byte
	limit int
	// Maps and arrays on the path being encoded: a value that contains itself is an error.
	open map[any]bool
}

// encode converts a Tengo value to JSON text of at most limit bytes.
func encode(v tengo.Object, path string, limit int) (string, *conversionError) {
	e := encoder{limit: limit, open: map[any]bool{}}
	if err := e.value(v, path, 0); err != nil {
		return "", err
	}
	if len(e.buf) > limit {
		return "", &conversionError{path: path, overLimit: true, limit: limit}
	}
	return string(e.buf), nil
}

func (e *encoder) value(o tengo.Object, path string, depth int) *conversionError {
	if len(e.buf) > e.limit {
		return &conversionError{path: path, overLimit: true, limit: e.limit}
	}
	switch v := o.(type) {
	case nil, *tengo.Undefined:
		e.buf = append(e.buf, "null"...)
	case *tengo.Bool:
		e.buf = strconv.AppendBool(e.buf, !v.IsFalsy())
	case *tengo.Int:
		e.buf = strconv.AppendInt(e.buf, v.Value, 10)
	case *tengo.Float:
		if math.IsNaN(v.Value) || math.IsInf(v.Value, 0) {
			return &conversionError{path: path, message: "NaN and infinity cannot cross the bridge"}
		}
		e.buf = strconv.AppendFloat(e.buf, v.Value, 'g', -1, 64)
	case *tengo.String:
		if !utf8.ValidString(v.Value) {
			return &conversionError{path: path, message: "string is not valid UTF-8"}
		}
		e.buf = appendString(e.buf, v.Value)
	case *tengo.Char:
		e.buf = appendString(e.buf, string(v.Value))
	case *tengo.Time:
		e.buf = appendString(e.buf, v.Value.UTC().Format(time.RFC3339Nano))
	case *tengo.Map:
		return e.object(v, v.Value, path, depth)
	case *tengo.ImmutableMap:
		return e.object(v, v.Value, path, depth)
	case *tengo.Array:
		return e.array(v, v.Value, path, depth)
	case *tengo.ImmutableArray:
		return e.array(v, v.Value, path, depth)
	case *tengo.Bytes:
		return &conversionError{path: path, message: "bytes cannot cross the bridge: convert them with string(b) or base64.encode(b)"}
	case *tengo.Error:
		return &conversionError{path: path, message: "an error value cannot cross the bridge (test results with is_error)"}
	case *tengo.CompiledFunction, *tengo.UserFunction, *tengo.BuiltinFunction:
		return &conversionError{path: path, message: "a function cannot cross the bridge"}
	default:
		return &conversionError{path: path, message: "a " + o.TypeName() + " value cannot cross the bridge"}
	}
	return nil
}

func (e *encoder) enter(container any, path string, depth int) *conversionError {
	if e.open[container] {
		return &conversionError{path: path, message: "value contains itself (cycle)"}
	}
	if depth > maxDepth {
		return &conversionError{path: path, message: "nesting deeper than 200 levels"}
	}
	e.open[container] = true
	return nil
}

func (e *encoder) object(container any, m map[string]tengo.Object, path string, depth int) *conversionError {
	if err := e.enter(container, path, depth); err != nil {
		return err
	}
	// Sorted keys: Tengo map order is random, output must not be.
	keys := make([]string, 0, len(m))
	for k, v := range m {
		if _, absent := v.(*tengo.Undefined); !absent {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	e.buf = append(e.buf, '{')
	for i, k := range keys {
		if !utf8.ValidString(k) {
			return &conversionError{path: path, message: "key is not valid UTF-8"}
		}
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.buf = appendString(e.buf, k)
		e.buf = append(e.buf, ':')
		if err := e.value(m[k], path+"."+k, depth+1); err != nil {
			return err
		}
	}
	e.buf = append(e.buf, '}')
	delete(e.open, container)
	return nil
}

func (e *encoder) array(container any, items []tengo.Object, path string, depth int) *conversionError {
	if err := e.enter(container, path, depth); err != nil {
		return err
	}
	e.buf = append(e.buf, '[')
	for i, item := range items {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		if err := e.value(item, path+"["+strconv.Itoa(i)+"]", depth+1); err != nil {
			return err
		}
	}
	e.buf = append(e.buf, ']')
	delete(e.open, container)
	return nil
}

const hexDigits = "0123456789abcdef"

// appendString writes a JSON string (RFC 8259 escapes only).
func appendString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		buf = append(buf, s[start:i]...)
		switch c {
		case '"', '\\':
			buf = append(buf, '\\', c)
		case '\n':
			buf = append(buf, '\\', 'n')
		case '\r':
			buf = append(buf, '\\', 'r')
		case '\t':
			buf = append(buf, '\\', 't')
		default:
			buf = append(buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}

// decodeValue converts JSON text (made by JSON.stringify on the host) to Tengo values:
// integers stay Int, other numbers are Float; null is absent in a map and undefined in
// an array. Hand-written: encoding/json costs several microseconds per bridge call here.
func decodeValue(text string) (tengo.Object, error) {
	if text == "" {
		return tengo.UndefinedValue, nil
	}
	d := decoder{s: text}
	v, err := d.value()
	if err == nil && d.skipSpace() < len(d.s) {
		err = d.fail("unexpected text after the value")
	}
	return v, err
}

type decoder struct {
	s string
	i int
}

func (d *decoder) fail(message string) error {
	return fmt.Errorf("JSON at offset %d: %s", d.i, message)
}

func (d *decoder) skipSpace() int {
	for d.i < len(d.s) && (d.s[d.i] == ' ' || d.s[d.i] == '\t' || d.s[d.i] == '\n' || d.s[d.i] == '\r') {
		d.i++
	}
	return d.i
}

func (d *decoder) value() (tengo.Object, error) {
	if d.skipSpace() >= len(d.s) {
		return nil, d.fail("unexpected end")
	}
	switch c := d.s[d.i]; {
	case c == '{':
		return d.object()
	case c == '[':
		return d.array()
	case c == '"':
		s, err := d.str()
		if err != nil {
			return nil, err
		}
		return &tengo.String{Value: s}, nil
	case c == 't' && strings.HasPrefix(d.s[d.i:], "true"):
		d.i += 4
		return tengo.TrueValue, nil
	case c == 'f' && strings.HasPrefix(d.s[d.i:], "false"):
		d.i += 5
		return tengo.FalseValue, nil
	case c == 'n' && strings.HasPrefix(d.s[d.i:], "null"):
		d.i += 4
		return tengo.UndefinedValue, nil
	case c == '-' || (c >= '0' && c <= '9'):
		return d.number()
	}
	return nil, d.fail("unexpected character")
}

func (d *decoder) number() (tengo.Object, error) {
	start, integer := d.i, true
	for d.i < len(d.s) {
		c := d.s[d.i]
		if c == '.' || c == 'e' || c == 'E' || c == '+' {
			integer = false
		} else if c != '-' && (c < '0' || c > '9') {
			break
		}
		d.i++
	}
	text := d.s[start:d.i]
	if integer {
		if n, err := strconv.ParseInt(text, 10, 64); err == nil {
			return &tengo.Int{Value: n}, nil
		}
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return nil, d.fail("bad number " + text)
	}
	return &tengo.Float{Value: f}, nil
}

func (d *decoder) str() (string, error) {
	d.i++ // opening quote
	start := d.i
	for d.i < len(d.s) && d.s[d.i] != '"' && d.s[d.i] != '\\' {
		d.i++
	}
	if d.i < len(d.s) && d.s[d.i] == '"' {
		d.i++
		return d.s[start : d.i-1], nil
	}
	// Escapes: build the string.
	b := []byte(d.s[start:d.i])
	for d.i < len(d.s) {
		c := d.s[d.i]
		switch {
		case c == '"':
			d.i++
			return string(b), nil
		case c != '\\':
			b = append(b, c)
			d.i++
			continue
		}
		if d.i+1 >= len(d.s) {
			break
		}
		e := d.s[d.i+1]
		d.i += 2
		switch e {
		case '"', '\\', '/':
			b = append(b, e)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, ok := d.hex4()
			if !ok {
				return "", d.fail("bad \\u escape")
			}
			if utf16.IsSurrogate(r) {
				if lo, ok2 := d.lowSurrogate(); ok2 {
					r = utf16.DecodeRune(r, lo)
				} else {
					r = utf8.RuneError
				}
			}
			b = utf8.AppendRune(b, r)
		default:
			return "", d.fail("bad escape")
		}
	}
	return "", d.fail("unterminated string")
}

func (d *decoder) hex4() (rune, bool) {
	if d.i+4 > len(d.s) {
		return 0, false
	}
	n, err := strconv.ParseUint(d.s[d.i:d.i+4], 16, 32)
	if err != nil {
		return 0, false
	}
	d.i += 4
	return rune(n), true
}

func (d *decoder) lowSurrogate() (rune, bool) {
	if !strings.HasPrefix(d.s[d.i:], "\\u") {
		return 0, false
	}
	d.i += 2
	r, ok := d.hex4()
	return r, ok && r >= 0xdc00 && r < 0xe000
}

func (d *decoder) array() (tengo.Object, error) {
	d.i++
	items := []tengo.Object{}
	if d.skipSpace() < len(d.s) && d.s[d.i] == ']' {
		d.i++
		return &tengo.Array{Value: items}, nil
	}
	for {
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		items = append(items, v)
		if d.skipSpace() >= len(d.s) {
			return nil, d.fail("unterminated array")
		}
		if d.s[d.i] == ']' {
			d.i++
			return &tengo.Array{Value: items}, nil
		}
		if d.s[d.i] != ',' {
			return nil, d.fail("expected , or ]")
		}
		d.i++
	}
}

func (d *decoder) object() (tengo.Object, error) {
	d.i++
	m := map[string]tengo.Object{}
	if d.skipSpace() < len(d.s) && d.s[d.i] == '}' {
		d.i++
		return &tengo.Map{Value: m}, nil
	}
	for {
		if d.skipSpace() >= len(d.s) || d.s[d.i] != '"' {
			return nil, d.fail("expected a key")
		}
		key, err := d.str()
		if err != nil {
			return nil, err
		}
		if d.skipSpace() >= len(d.s) || d.s[d.i] != ':' {
			return nil, d.fail("expected :")
		}
		d.i++
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		if _, null := v.(*tengo.Undefined); !null {
			m[key] = v
		}
		if d.skipSpace() >= len(d.s) {
			return nil, d.fail("unterminated object")
		}
		if d.s[d.i] == '}' {
			d.i++
			return &tengo.Map{Value: m}, nil
		}
		if d.s[d.i] != ',' {
			return nil, d.fail("expected , or }")
		}
		d.i++
	}
}

// errorValue is what a failed bridge call returns to the script: error({type, message, where?}).
func errorValue(text string) tengo.Object {
	v, err := decodeValue(text)
	if err != nil {
		return bridgeError("SpellHostError", err.Error())
	}
	return &tengo.Error{Value: v}
}

// bridgeError is error({type, message}).
func bridgeError(kind, message string) tengo.Object {
	return &tengo.Error{Value: &tengo.Map{Value: map[string]tengo.Object{
		"type":    &tengo.String{Value: kind},
		"message": &tengo.String{Value: message},
	}}}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
