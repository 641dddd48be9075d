//go:build js && wasm

package main

import (
	"strings"

	"github.com/d5/tengo/v2"
	"github.com/d5/tengo/v2/parser"
)

// A value that is both callable and indexable, so `parallel(fns)` and `parallel.map(...)`
// have the same shape as in Lua and JavaScript. The VM runs only its own compiled functions
// inline and calls any other callable natively, so calling this one runs the prelude's
// function in a nested VM that shares the run's globals and constants.
type callable struct {
	tengo.ObjectImpl
	name   string
	fn     *tengo.CompiledFunction
	fields map[string]tengo.Object
}

func (c *callable) TypeName() string { return c.name }
func (c *callable) String() string   { return "<" + c.name + ">" }
func (c *callable) CanCall() bool    { return true }

func (c *callable) IndexGet(index tengo.Object) (tengo.Object, error) {
	key, _ := tengo.ToString(index)
	if v, ok := c.fields[key]; ok {
		return v, nil
	}
	return tengo.UndefinedValue, nil
}

func (c *callable) Call(args ...tengo.Object) (tengo.Object, error) {
	return current.callCompiled(c.fn, args)
}

// resultSlot is a global no script reaches: the compiler hands out global indexes from 0.
const resultSlot = tengo.GlobalsSize - 1

// callCompiled runs fn(args...) in a nested VM: its bytecode is the run's constants plus fn
// and the arguments, and a main function that calls fn and keeps the result in resultSlot.
func (r *runState) callCompiled(fn *tengo.CompiledFunction, args []tengo.Object) (tengo.Object, error) {
	n := len(r.bytecode.Constants)
	constants := append(r.bytecode.Constants[:n:n], fn)
	insts := tengo.MakeInstruction(parser.OpConstant, n)
	for _, a := range args {
		constants = append(constants, a)
		insts = append(insts, tengo.MakeInstruction(parser.OpConstant, len(constants)-1)...)
	}
	insts = append(insts, tengo.MakeInstruction(parser.OpCall, len(args), 0)...)
	insts = append(insts, tengo.MakeInstruction(parser.OpSetGlobal, resultSlot)...)
	insts = append(insts, tengo.MakeInstruction(parser.OpSuspend)...)
	bytecode := &tengo.Bytecode{FileSet: r.bytecode.FileSet, MainFunction: &tengo.CompiledFunction{Instructions: insts}, Constants: constants}
	vm := newVM(bytecode, r.globals, r.cfg.MaxAllocs)
	err := vm.Run()
	releaseNestedVM(vm)
	if err != nil {
		return nil, nestedError{err}
	}
	result := r.globals[resultSlot]
	r.globals[resultSlot] = nil
	return result, nil
}

// nestedError keeps a nested VM's error as the outer VM reports it: one "Runtime Error:"
// prefix, the inner frames first (the user's line), and errors.Is still finding the cause.
type nestedError struct{ err error }

func (e nestedError) Error() string { return strings.TrimPrefix(e.err.Error(), "Runtime Error: ") }
func (e nestedError) Unwrap() error { return e.err }
