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
	api := js.Global().Get("__llmspellTengo")
	quit := make(chan struct{})
	// Numbers only: the run's texts come through hostRequest (syscall/js's string and object
	// values cost more than the rest of a short run).
	api.Set("run", js.FuncOf(func(_ js.Value, args []js.Value) any {
		startRun(config{
			Attempt: int64(args[0].Int()), OutputLimitBytes: args[1].Int(), MemoryLimitBytes: int64(args[2].Float()), MaxAllocs: int64(args[3].Float()),
		})
		return nil
	}))
	// Sets the next run's API up while the host is idle (see prepare); a run without one sets it up itself.
	api.Set("prepare", js.FuncOf(func(js.Value, []js.Value) any {
		_ = prepare()
		return nil
	}))
	// The answer to work the script awaits (an effect): the VM goroutine resumes
	// and runs to its next await or to the end before this call returns.
	// The answer waits on the host's side, read as an answer to a host call is.
	api.Set("deliver", js.FuncOf(func(js.Value, []js.Value) any {
		if current != nil {
			current.deliver(current.pendingAnswer())
		}
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
