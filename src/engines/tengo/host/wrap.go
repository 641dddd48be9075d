package main

import (
	"strings"

	"github.com/d5/tengo/v2/parser"
)

// The user's script runs as the body of a function, so a spell ends with `return`
// as in Lua and JavaScript. The prefix shares line 1 so error lines stay the user's.
const prefix = `__l.main(func() { `
const suffix = "\n})"

// endOfFileError: a parse error past the script's last line is the parser reaching the
// wrapper's closing "})" because the script ended too early. It would name the wrapper's
// token and a line the file does not have, so what Tengo says of the file alone is reported
// instead (its end of file, on the script's own last line).
func endOfFileError(fileName, source string, err error) error {
	list, ok := err.(parser.ErrorList)
	if !ok || len(list) == 0 || list[0].Pos.Line <= strings.Count(source, "\n")+1 {
		return err
	}
	file := parser.NewFileSet().AddFile(fileName, -1, len(source))
	if _, alone := parser.NewParser(file, []byte(source), nil).ParseFile(); alone != nil {
		return alone
	}
	return err
}
