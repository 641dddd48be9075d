package main

import (
	"reflect"
	"testing"
	"unsafe"

	"github.com/d5/tengo/v2"
	"github.com/d5/tengo/v2/parser"
)

// The copy of tengo.VM's fields that resets VMs in place must match the Tengo in go.mod:
// otherwise every run silently pays for a new VM again.
func TestVMLayoutMatchesTengo(t *testing.T) {
	if !vmsReusable {
		t.Fatal("vmLayout no longer matches tengo.VM: update it to the Tengo version in go.mod")
	}
	type other struct{ constants []tengo.Object }
	if sameLayout(reflect.TypeFor[tengo.VM](), reflect.TypeFor[other]()) {
		t.Fatal("sameLayout accepted a different struct")
	}
}

func compileForTest(t *testing.T, source string) *tengo.Bytecode {
	t.Helper()
	fileSet := parser.NewFileSet()
	file := fileSet.AddFile("test.tengo", -1, len(source))
	parsed, err := parser.NewParser(file, []byte(source), nil).ParseFile()
	if err != nil {
		t.Fatal(err)
	}
	compiler := tengo.NewCompiler(file, nil, nil, nil, nil)
	if err := compiler.Compile(parsed); err != nil {
		t.Fatal(err)
	}
	return compiler.Bytecode()
}

// A kept VM runs the next program as a new one would, and holds none of the last run's
// values once cleared (they would stay alive, in the next run's memory).
func TestVMsAreReusedAndCleared(t *testing.T) {
	clearVMs, releasedVMs = nil, nil
	first := compileForTest(t, `big := "0123456789"; f := func(n) { return n < 1 ? big : f(n-1) + "" }; out := f(20)`)
	globals := make([]tengo.Object, tengo.GlobalsSize)
	v := newVM(first, globals, -1)
	if err := v.Run(); err != nil {
		t.Fatal(err)
	}
	if got := globals[2].(*tengo.String).Value; got != "0123456789" {
		t.Fatalf("first run: %q", got)
	}
	releaseVM(v)
	clearReleasedVMs()
	if !reflect.ValueOf(*(*vmLayout)(unsafe.Pointer(v))).IsZero() {
		t.Fatal("a released VM still holds its run's state after clearReleasedVMs")
	}
	second := compileForTest(t, `x := 6 * 7`)
	globals = make([]tengo.Object, tengo.GlobalsSize)
	again := newVM(second, globals, 10)
	if again != v {
		t.Fatal("the kept VM was not reused")
	}
	if err := again.Run(); err != nil {
		t.Fatal(err)
	}
	if got := globals[0].(*tengo.Int).Value; got != 42 {
		t.Fatalf("second run: %d", got)
	}
	// Its allocation limit is the new one: 10 objects are too few for this loop.
	releaseVM(again)
	third := compileForTest(t, `a := []; for i := 0; i < 100; i++ { a = append(a, i) }`)
	if err := newVM(third, make([]tengo.Object, tengo.GlobalsSize), 10).Run(); err == nil {
		t.Fatal("a reused VM ignored its allocation limit")
	}
}

// At most vmsKept VMs are kept, however many a run released.
func TestVMsKeptAreBounded(t *testing.T) {
	clearVMs, releasedVMs = nil, nil
	bytecode := compileForTest(t, `x := 1`)
	for range 3 * vmsKept {
		releaseVM(newVM(bytecode, nil, -1))
		releaseVM(tengo.NewVM(bytecode, nil, -1))
	}
	if n := len(clearVMs) + len(releasedVMs); n > vmsKept {
		t.Fatalf("%d VMs kept", n)
	}
}

// A nested call's VM is cleared as it is released: the run goes on, and its stack and
// arguments must not keep values alive in the run's memory.
func TestNestedVMsAreClearedAtOnce(t *testing.T) {
	clearVMs, releasedVMs = nil, nil
	v := newVM(compileForTest(t, `x := "kept"; y := x + x`), make([]tengo.Object, tengo.GlobalsSize), -1)
	if err := v.Run(); err != nil {
		t.Fatal(err)
	}
	releaseNestedVM(v)
	if len(clearVMs) != 1 || !reflect.ValueOf(*(*vmLayout)(unsafe.Pointer(v))).IsZero() {
		t.Fatal("a released nested VM was not cleared")
	}
}
