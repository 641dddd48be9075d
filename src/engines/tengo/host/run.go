//go:build js && wasm

package main

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand"
	"runtime/debug"
	"slices"
	"strings"
	"unsafe"

	"github.com/d5/tengo/v2"
	"github.com/d5/tengo/v2/parser"
)

// The spell API, written in Tengo on top of the natives in natives.go.
//
//go:embed prelude.tengo
var prelude []byte

// The spell API's globals, in the order every run defines them: `__l` holds the API the
// prelude's module function makes for the run, the others its fields.
var apiGlobals = []string{"__l", "llm", "agent", "tool", "step", "parallel", "sleep", "signal", "spell", "state", "event", "hook", "json", "log"}

// The prelude, compiled once per instance, so a run compiles only the user's script:
// every run's bytecode starts with the prelude's constants. Setup calls the module
// function and sets the API's globals (see prepare).
type preludeCode struct {
	fileSet   *parser.SourceFileSet
	constants []tengo.Object
	setup     *tengo.Bytecode
	modules   *tengo.ModuleMap
}

var compiled *preludeCode

// loadCompiled compiles the prelude the first time this instance needs it.
func loadCompiled() error {
	if compiled != nil {
		return nil
	}
	p, err := loadPrelude()
	if err == nil {
		compiled = p
	}
	return err
}

func loadPrelude() (*preludeCode, error) {
	loader := []byte(`__m := import("llmspell")`)
	fileSet := parser.NewFileSet()
	file := fileSet.AddFile("(llmspell)", -1, len(loader))
	parsed, err := parser.NewParser(file, loader, nil).ParseFile()
	if err != nil {
		return nil, err
	}
	modules := tengo.NewModuleMap()
	modules.AddSourceModule("llmspell", prelude)
	modules.AddBuiltinModule("llmspell/host", natives())
	compiler := tengo.NewCompiler(file, nil, nil, modules, nil)
	if err := compiler.Compile(parsed); err != nil {
		return nil, err
	}
	bytecode := compiler.Bytecode()
	// The loader is `OpConstant <module function>; OpCall; ...`.
	ins := bytecode.MainFunction.Instructions
	module := int(ins[2]) | int(ins[1])<<8
	if _, ok := bytecode.Constants[module].(*tengo.CompiledFunction); ins[0] != parser.OpConstant || !ok {
		return nil, errors.New("tengo: unexpected prelude bytecode")
	}
	constants := bytecode.Constants
	setup := tengo.MakeInstruction(parser.OpConstant, module)
	setup = append(setup, tengo.MakeInstruction(parser.OpCall, 0, 0)...)
	setup = append(setup, tengo.MakeInstruction(parser.OpSetGlobal, 0)...)
	for i, name := range apiGlobals[1:] {
		constants = append(constants, &tengo.String{Value: name})
		setup = append(setup, tengo.MakeInstruction(parser.OpGetGlobal, 0)...)
		setup = append(setup, tengo.MakeInstruction(parser.OpConstant, len(constants)-1)...)
		setup = append(setup, tengo.MakeInstruction(parser.OpIndex)...)
		setup = append(setup, tengo.MakeInstruction(parser.OpSetGlobal, i+1)...)
	}
	setup = append(setup, tengo.MakeInstruction(parser.OpSuspend)...)
	code := &tengo.Bytecode{FileSet: fileSet, MainFunction: &tengo.CompiledFunction{Instructions: setup}, Constants: constants}
	return &preludeCode{fileSet: fileSet, constants: constants, setup: code, modules: stdModules()}, nil
}

// The API of the next run, set up ahead while the host is idle: the prelude's setup makes
// most of the objects of a short run, which then waited on it.
var prepared []tengo.Object

// The VM that runs setup, kept from one setup to the next (Run resets it), with its globals.
var setupVM *tengo.VM
var setupGlobals []tengo.Object

// The global that holds the API's spell table, whose run fields takeAPI fills in.
var spellGlobal = slices.Index(apiGlobals, "spell")

// prepare sets the API up for the next run while no run is in progress, unless one is ready.
func prepare() error {
	if prepared != nil || (current != nil && !current.done) {
		return nil
	}
	clearReleasedVMs()
	globals, err := setUp()
	if err == nil {
		prepared = globals
	}
	return err
}

// setUp runs the prelude's setup: the globals of a fresh copy of the API. Its spell table has
// placeholders for the run's input, id and attempt (spell_info reads them from a placeholder
// run); setup calls no other native that reads the run (a clock, a random number, the host).
func setUp() ([]tengo.Object, error) {
	if err := loadCompiled(); err != nil {
		return nil, err
	}
	if setupVM == nil {
		setupGlobals = make([]tengo.Object, tengo.GlobalsSize)
		setupVM = tengo.NewVM(compiled.setup, setupGlobals, -1)
	}
	// Natives find the run through current: a placeholder while setup runs (a run that sets
	// its API up itself gets it afterwards, its own fields filled in).
	previous := current
	current = &runState{cfg: config{Input: "null"}, done: true}
	defer func() { current = previous }()
	if err := setupVM.Run(); err != nil {
		// Run does not clear a VM's error: the next setup gets a new one.
		setupVM = nil
		return nil, err
	}
	globals := make([]tengo.Object, tengo.GlobalsSize)
	copy(globals, setupGlobals[:len(apiGlobals)])
	clear(setupGlobals)
	return globals, nil
}

// takeAPI gives the run the API set up ahead (or sets one up), with the run's own spell fields.
func (r *runState) takeAPI() ([]tengo.Object, error) {
	globals := prepared
	prepared = nil
	if globals == nil {
		var err error
		if globals, err = setUp(); err != nil {
			return nil, err
		}
	}
	input, err := decodeValue(r.cfg.Input)
	if err != nil {
		return nil, err
	}
	spell := mapValue(globals[spellGlobal])
	if spell == nil {
		return nil, errors.New("tengo: the prelude's spell is not a map")
	}
	spell["input"] = input
	spell["id"] = &tengo.String{Value: r.cfg.ID}
	spell["attempt"] = &tengo.Int{Value: r.cfg.Attempt}
	// The API is set up once per run: importing the prelude again is refused (spell_info).
	r.setUp = true
	return globals, nil
}

// Run settings chosen by the host (src/engines/tengo/engine.ts): the numbers are arguments
// of run, the texts come through hostRequest.
type config struct {
	// The spell's input as JSON.
	Input            string
	ID               string
	Attempt          int64
	OutputLimitBytes int
	MemoryLimitBytes int64
	MaxAllocs        int64
}

// A message to the VM goroutine while it awaits: its answer is ready (the host holds it),
// a tool to run, or the end.
type message struct {
	tool   *toolRequest
	cancel bool
}

type runState struct {
	cfg      config
	fileName string
	// Requests and answers of host calls (host.go) travel through this buffer in linear memory.
	buf   []byte
	inbox chan message
	// Replies of tools run while an agent effect is under way.
	toolReply   chan string
	awaiting    bool
	toolPending bool
	// Set when a native ends the run (a limit, or an error the script cannot handle).
	raised   *errorData
	result   tengo.Object
	finished bool
	// The prelude has set the API up (once per run).
	setUp bool
	// The run has ended: its goroutine is done.
	done bool
	// exp_float, norm_float, perm and read of the rand module: fed by the run's sequence.
	seeded *rand.Rand
	// The running program, for calls into it from natives (callable.go).
	bytecode *tengo.Bytecode
	globals  []tengo.Object
}

var current *runState

// The call buffer of the last run, kept for the next one unless an answer made it large.
var spareBuf []byte

const callBufBytes = 64 * 1024

// runLoop runs the runs the host asks for (exportRun), one after the other, on one
// goroutine: it keeps the stack it grew, where a new goroutine per run grew (copied) its
// stack again.
func runLoop() {
	for range wake {
		if asked {
			asked, loopBusy = false, true
			startRun(nextRun)
			loopBusy = false
		}
	}
}

// startRun runs the run to its end; an awaited effect parks this goroutine, and Go hands
// control back to the host until the answer is delivered.
func startRun(cfg config) {
	buf := spareBuf
	if buf == nil {
		buf = make([]byte, 0, callBufBytes)
	}
	spareBuf = nil
	n := hostRequest(address(buf), int32(cap(buf)))
	if int(n) > cap(buf) {
		buf = make([]byte, 0, n)
		hostRequest(address(buf), n)
	}
	texts := strings.SplitN(string(buf[:n]), "\x00", 4)
	fileName, source := texts[0], texts[3]
	cfg.Input, cfg.ID = texts[1], texts[2]
	r := &runState{
		cfg: cfg, fileName: fileName,
		buf: buf, inbox: make(chan message, 1), toolReply: make(chan string, 1),
		seeded: rand.New(hostSource{}),
	}
	current = r
	// Tengo's own limits: no string or bytes value larger than a quarter of the memory limit.
	tengo.MaxStringLen = int(r.cfg.MemoryLimitBytes / 4)
	tengo.MaxBytesLen = int(r.cfg.MemoryLimitBytes / 4)
	// The collector works harder near the limit instead of growing the heap; the host
	// enforces the hard limit on the WebAssembly memory.
	debug.SetMemoryLimit(r.cfg.MemoryLimitBytes)
	outcome := r.execute(source)
	if r.toolPending {
		r.toolPending = false
		r.toolReply <- failure(errorData{Type: "SpellScriptError", Message: "the script stopped while running a tool"})
	}
	if cap(r.buf) <= callBufBytes {
		spareBuf = r.buf
	}
	r.done = true
	hostDone(uint32(uintptr(unsafe.Pointer(unsafe.StringData(outcome)))), int32(len(outcome)))
}

// execute compiles and runs the script; it returns the outcome as JSON ({ok, value} or {ok, error}).
func (r *runState) execute(source string) (outcome string) {
	defer func() {
		// A panic inside the VM (Tengo 2.17 overruns its value stack on deep recursion)
		// ends this run only.
		if p := recover(); p != nil {
			outcome = failure(panicData(p))
		}
	}()
	bytecode, err := r.compile(source)
	if err != nil {
		return failure(r.compileError(err))
	}
	globals, err := r.takeAPI()
	if err != nil {
		return failure(errorData{Type: "SpellHostError", Message: "tengo: setting the spell API up: " + err.Error()})
	}
	r.bytecode, r.globals = bytecode, globals
	vm := newVM(bytecode, globals, r.cfg.MaxAllocs)
	defer releaseVM(vm)
	if err := vm.Run(); err != nil {
		return failure(r.runtimeError(err))
	}
	if e, ok := r.result.(*tengo.Error); ok {
		return failure(errorValueData(e, "SpellScriptError"))
	}
	return r.outcome(r.result, "result", "")
}

// Scripts compiled lately, by file name and source: a spell's script runs again at every
// step, and its bytecode is read-only while it runs (Tengo's own Compiled.Clone shares it too).
var scripts = map[string]*tengo.Bytecode{}
var scriptOrder []string

const scriptsKept = 16

func (r *runState) compile(source string) (*tengo.Bytecode, error) {
	key := r.fileName + "\x00" + source
	bytecode := scripts[key]
	if bytecode == nil {
		var err error
		if bytecode, err = compileScript(r.fileName, source); err != nil {
			return nil, err
		}
		if len(scriptOrder) == scriptsKept {
			delete(scripts, scriptOrder[0])
			scriptOrder = scriptOrder[1:]
		}
		scripts[key] = bytecode
		scriptOrder = append(scriptOrder, key)
	}
	return bytecode, nil
}

func compileScript(fileName, source string) (*tengo.Bytecode, error) {
	if err := loadCompiled(); err != nil {
		return nil, err
	}
	text := prefix + source + suffix
	// The run's files: the prelude's, shared (positions in its functions stay valid), and its own.
	prelude := compiled.fileSet
	fileSet := &parser.SourceFileSet{Base: prelude.Base, Files: prelude.Files[:len(prelude.Files):len(prelude.Files)]}
	file := fileSet.AddFile(fileName, -1, len(text))
	parsed, err := parser.NewParser(file, []byte(text), nil).ParseFile()
	if err != nil {
		return nil, endOfFileError(fileName, source, err)
	}
	// NewCompiler defines the builtins.
	symbols := tengo.NewSymbolTable()
	for i, name := range apiGlobals {
		if symbols.Define(name).Index != i {
			return nil, errors.New("tengo: unexpected global index for " + name)
		}
	}
	constants := append([]tengo.Object(nil), compiled.constants...)
	compiler := tengo.NewCompiler(file, symbols, constants, compiled.modules, nil)
	if err := compiler.Compile(parsed); err != nil {
		return nil, err
	}
	// No RemoveDuplicates: it would rewrite the prelude's shared functions.
	return compiler.Bytecode(), nil
}

// outcome encodes a script value as an outcome: an error value is a failure of type
// errType (or its own), anything else must convert to JSON.
func (r *runState) outcome(v tengo.Object, what, errType string) string {
	if e, ok := v.(*tengo.Error); ok {
		data := errorValueData(e, "SpellScriptError")
		if errType != "" && data.Type == "SpellScriptError" {
			data.Type = errType
		}
		return failure(data)
	}
	text, cerr := encode(v, what, r.cfg.OutputLimitBytes)
	if cerr != nil {
		return failure(cerr.data())
	}
	return `{"ok":true,"value":` + text + `}`
}

func panicData(p any) errorData {
	message := fmt.Sprint(p)
	if strings.Contains(message, fmt.Sprintf("with length %d", tengo.StackSize)) {
		return errorData{Type: "SpellScriptError", Message: "stack overflow (recursion too deep)"}
	}
	return errorData{Type: "SpellScriptError", Message: "tengo: " + message}
}

// invoke calls the host: the request (kind, suffix, NUL, payload) and then the answer
// are written to r.buf.
func (r *runState) invoke(kind, suffix, payload string) string {
	need := len(kind) + len(suffix) + 1 + len(payload)
	if cap(r.buf) < need {
		r.buf = make([]byte, 0, 2*need)
	}
	b := append(append(append(append(r.buf[:0], kind...), suffix...), 0), payload...)
	if n := hostCall(address(b), int32(len(b)), int32(cap(b))); n >= 0 {
		return string(r.buf[:n])
	}
	// The answer is larger than the buffer: the host keeps it until asked again.
	return r.pendingAnswer()
}

// pendingAnswer reads the answer the host holds (length -1), in a larger buffer if need be.
func (r *runState) pendingAnswer() string {
	n := hostCall(address(r.buf), -1, int32(cap(r.buf)))
	if n < 0 {
		r.buf = make([]byte, 0, -n)
		n = hostCall(address(r.buf), -1, int32(cap(r.buf)))
	}
	return string(r.buf[:n])
}

// address is where b's bytes are in linear memory (Go's collector does not move them).
func address(b []byte) uint32 {
	return uint32(uintptr(unsafe.Pointer(unsafe.SliceData(b))))
}

func failure(data errorData) string {
	text, _ := json.Marshal(map[string]any{"ok": false, "error": data})
	return string(text)
}

// Error values the script made: a map with type and message keeps them, anything else
// becomes the message.
func errorValueData(e *tengo.Error, fallbackType string) errorData {
	var inner tengo.Object = e.Value
	if m := mapValue(inner); m != nil {
		t, tok := m["type"].(*tengo.String)
		msg, mok := m["message"].(*tengo.String)
		if tok && mok {
			data := errorData{Type: t.Value, Message: msg.Value}
			if w, ok := m["where"].(*tengo.String); ok {
				data.Where = w.Value
			}
			return data
		}
	}
	if s, ok := inner.(*tengo.String); ok {
		return errorData{Type: fallbackType, Message: s.Value}
	}
	if text, cerr := encode(inner, "error", 64*1024); cerr == nil {
		return errorData{Type: fallbackType, Message: text}
	}
	return errorData{Type: fallbackType, Message: inner.String()}
}

func mapValue(o tengo.Object) map[string]tengo.Object {
	switch m := o.(type) {
	case *tengo.Map:
		return m.Value
	case *tengo.ImmutableMap:
		return m.Value
	}
	return nil
}

// Tengo reports errors as "<Kind> Error: message" followed by "\n\tat file:line:col"
// frames, innermost first; the location is the innermost frame in the user's file.
func (r *runState) splitError(err error) (message, where string) {
	parts := strings.Split(err.Error(), "\n\tat ")
	message = parts[0]
	for _, kind := range []string{"Runtime Error: ", "Compile Error: ", "Parse Error: "} {
		message = strings.TrimPrefix(message, kind)
	}
	for _, frame := range parts[1:] {
		frame, _, _ = strings.Cut(frame, " ")
		if strings.HasPrefix(frame, r.fileName+":") {
			if i := strings.LastIndexByte(frame, ':'); i > len(r.fileName) {
				frame = frame[:i]
			}
			return message, frame
		}
	}
	return message, ""
}

func (r *runState) compileError(err error) errorData {
	message, where := r.splitError(err)
	if name, ok := strings.CutPrefix(message, "module '"); ok && strings.HasSuffix(name, "' not found") {
		name = strings.TrimSuffix(name, "' not found")
		if isStdlibModule(name) {
			return errorData{Type: "NotSupported", Message: `import("` + name + `"): the ` + name + ` module is not available to spells`, Where: where}
		}
	}
	return errorData{Type: "SpellSyntaxError", Message: message, Where: where}
}

func (r *runState) runtimeError(err error) errorData {
	message, where := r.splitError(err)
	switch {
	case r.raised != nil:
		data := *r.raised
		if data.Where == "" {
			data.Where = where
		}
		return data
	case errors.Is(err, tengo.ErrObjectAllocLimit):
		return errorData{Type: "SpellMemoryLimit", Message: message + ": a run may create at most " + itoa(r.cfg.MaxAllocs) + " objects (memory limit / 8)", Where: where}
	case errors.Is(err, tengo.ErrStringLimit), errors.Is(err, tengo.ErrBytesLimit):
		return errorData{Type: "SpellMemoryLimit", Message: message + ": strings and bytes may hold at most " + itoa(int64(tengo.MaxStringLen)) + " bytes (memory limit / 4)", Where: where}
	}
	return errorData{Type: "SpellScriptError", Message: message, Where: where}
}
