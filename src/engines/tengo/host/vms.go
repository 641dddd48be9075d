package main

import (
	"reflect"
	"unsafe"

	"github.com/d5/tengo/v2"
	"github.com/d5/tengo/v2/parser"
)

// A tengo.VM holds its value stack and call frames as arrays (~80 KB): making one for every
// run and every nested call (callable.go) cost a short run more than running it, in the
// allocation and in the collections those set off. VMs are kept and reset in place instead,
// through vmLayout, a copy of tengo.VM's fields; vmsReusable checks at start that the copy
// matches the Tengo the program was built with (otherwise every VM is made by NewVM).
type vmLayout struct {
	constants   []tengo.Object
	stack       [tengo.StackSize]tengo.Object
	sp          int
	globals     []tengo.Object
	fileSet     *parser.SourceFileSet
	frames      [tengo.MaxFrames]frameLayout
	framesIndex int
	curFrame    *frameLayout
	curInsts    []byte
	ip          int
	aborting    int64
	maxAllocs   int64
	allocs      int64
	err         error
}

type frameLayout struct {
	fn          *tengo.CompiledFunction
	freeVars    []*tengo.ObjectPtr
	ip          int
	basePointer int
}

var vmsReusable = sameLayout(reflect.TypeFor[tengo.VM](), reflect.TypeFor[vmLayout]())

// sameLayout: the same fields, names, offsets and types, element by element where a type is
// Tengo's own unexported one.
func sameLayout(a, b reflect.Type) bool {
	if a == b {
		return true
	}
	if a.Kind() != b.Kind() || a.Size() != b.Size() {
		return false
	}
	switch a.Kind() {
	case reflect.Array:
		return a.Len() == b.Len() && sameLayout(a.Elem(), b.Elem())
	case reflect.Pointer:
		return sameLayout(a.Elem(), b.Elem())
	case reflect.Struct:
		if a.NumField() != b.NumField() {
			return false
		}
		for i := range a.NumField() {
			fa, fb := a.Field(i), b.Field(i)
			if fa.Name != fb.Name || fa.Offset != fb.Offset || !sameLayout(fa.Type, fb.Type) {
				return false
			}
		}
		return true
	}
	return false
}

// VMs at most kept for reuse: a run's own and its nested calls'.
const vmsKept = 4

// Kept VMs: cleared ones ready to use, and released ones not cleared yet (clearVMs does
// that while the host is idle).
var clearVMs, releasedVMs []*tengo.VM

// newVM is tengo.NewVM, with a kept VM when there is one.
func newVM(bytecode *tengo.Bytecode, globals []tengo.Object, maxAllocs int64) *tengo.VM {
	if !vmsReusable {
		return tengo.NewVM(bytecode, globals, maxAllocs)
	}
	var v *tengo.VM
	switch {
	case len(clearVMs) > 0:
		v, clearVMs = clearVMs[len(clearVMs)-1], clearVMs[:len(clearVMs)-1]
	case len(releasedVMs) > 0:
		v, releasedVMs = releasedVMs[len(releasedVMs)-1], releasedVMs[:len(releasedVMs)-1]
		clearVM(v)
	default:
		v = new(tengo.VM)
	}
	// What NewVM sets; Run resets the rest.
	l := (*vmLayout)(unsafe.Pointer(v))
	l.constants, l.globals, l.fileSet, l.maxAllocs = bytecode.Constants, globals, bytecode.FileSet, maxAllocs
	l.framesIndex, l.ip = 1, -1
	l.frames[0].fn, l.frames[0].ip = bytecode.MainFunction, -1
	l.curFrame = &l.frames[0]
	l.curInsts = bytecode.MainFunction.Instructions
	return v
}

// releaseVM keeps a VM whose run is over (and that nothing runs in any more) for the next;
// it is cleared while the host is idle.
func releaseVM(v *tengo.VM) {
	if vmsReusable && len(clearVMs)+len(releasedVMs) < vmsKept {
		releasedVMs = append(releasedVMs, v)
	}
}

// releaseNestedVM keeps the VM of a nested call, cleared now: the run goes on, and the VM's
// stack and arguments must not keep values the run no longer holds in its memory.
func releaseNestedVM(v *tengo.VM) {
	if vmsReusable && len(clearVMs)+len(releasedVMs) < vmsKept {
		clearVM(v)
		clearVMs = append(clearVMs, v)
	}
}

// clearReleasedVMs clears the VMs released since, so they hold none of their runs' values.
func clearReleasedVMs() {
	for _, v := range releasedVMs {
		clearVM(v)
		clearVMs = append(clearVMs, v)
	}
	releasedVMs = releasedVMs[:0]
}

func clearVM(v *tengo.VM) {
	*(*vmLayout)(unsafe.Pointer(v)) = vmLayout{}
}
