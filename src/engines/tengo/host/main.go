//go:build js && wasm

// Command tengo-host is the Tengo engine of llmspell: the real Tengo VM
// (github.com/d5/tengo/v2) in WebAssembly, driven from the engine thread in
// JavaScript (src/engines/tengo/engine.ts).
//
// The JavaScript side sets globalThis.__llmspellTengo to an object before the
// program starts; main fills it with the entry points and then waits. An instance
// serves one run at a time, each with a fresh VM and fresh modules.
package main

import (
	"syscall/js"
	"time"
)

func main() {
	// Local time is the host machine's zone in js/wasm: spells see UTC everywhere.
	time.Local = time.UTC
	go runLoop()
	// The entry points that may block (they wait for the run's goroutine) are js.FuncOf
	// calls; run and deliver are WebAssembly exports (exports.go).
	api := js.Global().Get("__llmspellTengo")
	quit := make(chan struct{})
	// Sets the next run's API up while the host is idle (see prepare); a run without one sets it up itself.
	api.Set("prepare", js.FuncOf(func(js.Value, []js.Value) any {
		_ = prepare()
		return nil
	}))
	// Runs a tool the script defined (tool.define) while the script awaits an
	// agent run; returns the tool's result as JSON, synchronously.
	api.Set("callTool", js.FuncOf(func(_ js.Value, args []js.Value) any {
		if current == nil {
			return `{"ok":false,"error":{"type":"NotSupported","message":"no run in progress"}}`
		}
		return current.callTool(args[0].String(), args[1].String())
	}))
	// Ends the run in progress (one stopped at a durable boundary waits forever otherwise),
	// so this program can serve the next run.
	api.Set("cancel", js.FuncOf(func(js.Value, []js.Value) any {
		if current != nil {
			current.cancel()
		}
		return nil
	}))
	api.Set("exit", js.FuncOf(func(js.Value, []js.Value) any {
		close(quit)
		return nil
	}))
	<-quit
}
