//go:build wasip1

// Command tengo-wasip1 is a benchmark-only build of the Tengo VM for GOOS=wasip1, to compare
// with the engine's GOOS=js build (bench/engines.ts): program size, load time and the cost
// of a synchronous host call. It exports run(len): the script is in the buffer given by
// buffer(); a native get() calls the host import llmspell.call.
package main

import (
	"unsafe"

	"github.com/d5/tengo/v2"
	"github.com/d5/tengo/v2/stdlib"
)

// The same standard modules as the engine's build, so sizes compare.
var modules = stdlib.GetModuleMap("math", "text", "times", "rand", "fmt", "json", "base64", "hex", "enum")

//go:wasmimport llmspell call
func hostCall(ptr, length, capacity uint32) int32

var buf = make([]byte, 64*1024)

//go:wasmexport buffer
func buffer() uint32 { return uint32(uintptr(unsafe.Pointer(&buf[0]))) }

//go:wasmexport run
func run(length uint32) int32 {
	script := tengo.NewScript(append([]byte(nil), buf[:length]...))
	script.SetImports(modules)
	_ = script.Add("get", &tengo.UserFunction{Name: "get", Value: func(args ...tengo.Object) (tengo.Object, error) {
		key, _ := tengo.ToString(args[0])
		n := copy(buf, key)
		m := hostCall(uint32(uintptr(unsafe.Pointer(&buf[0]))), uint32(n), uint32(len(buf)))
		return &tengo.String{Value: string(buf[:m])}, nil
	}})
	compiled, err := script.Run()
	if err != nil {
		return -1
	}
	return int32(compiled.Get("result").Int())
}

func main() {}
