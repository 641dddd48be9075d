package main

import (
	"strings"
	"testing"

	"github.com/d5/tengo/v2/parser"
)

// A script that ends too early is reported on its own last line, at its end of file, not at
// the wrapper's closing token on a line past the file's end.
func TestSyntaxErrorAtEndOfFile(t *testing.T) {
	for _, c := range []struct{ source, at, found string }{
		{"return 1 +", "bad.tengo:1:", "found 'EOF'"},
		{"x := 1\nif x > 0 {\n  x = 2\n", "bad.tengo:3:", "expected '}', found 'EOF'"},
		{"x := 1\ny := = 2", "bad.tengo:2:", "found '='"},
		// An error on the script's own last line is kept as the wrapped parse reports it.
		{"x := 1\n}\nfunc() {", "bad.tengo:3:", "expected ')', found 'func'"},
	} {
		text := prefix + c.source + suffix
		file := parser.NewFileSet().AddFile("bad.tengo", -1, len(text))
		_, err := parser.NewParser(file, []byte(text), nil).ParseFile()
		if err == nil {
			t.Fatalf("%q parsed", c.source)
		}
		got := endOfFileError("bad.tengo", c.source, err).Error()
		if !strings.Contains(got, "\tat "+c.at) || !strings.Contains(got, c.found) {
			t.Errorf("%q: got %q, want it at %s and %s", c.source, got, c.at, c.found)
		}
	}
}
