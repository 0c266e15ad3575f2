// PruneScript, the language only: a map of this module (Swift, Foundation and Support's
// cancellation token; it knows no neural networks). Engine builtins live in the Builtins
// target and are added through `BuiltinRegistry`; engine values are `ScriptHandle`s, whose
// operators (`+`, `*`… on score sets, masks) come through `ScriptHandle.apply`.
//
//   SourceLocation.swift  cell / line / column
//   Token.swift           token kinds and tokens (strings carry interpolation parts)
//   Lexer.swift           source -> tokens (numbers, percent literals, strings, newlines)
//   AST.swift             `indirect enum Expr`, `enum Stmt`, `Program`
//   Parser.swift          tokens -> AST, every syntax error with recovery, bounded depth
//   Value.swift           `enum Value`, reference storages, `ScriptHandle`, display rules
//   Environment.swift     scopes
//   Interpreter.swift     the session: `run(cell)`, a `switch` over the AST
//   ScriptError.swift     error kinds, messages, locations, caret rendering
//   Builtin.swift         `Builtin`, `Param`, `ParamType`, `ParamRange`, `Arguments`, `CallContext`
//   BuiltinRegistry.swift the one table of builtins (calls, help, completion)
//   CoreBuiltins.swift    engine-free builtins
//   Completeness.swift    `isComplete(source)` for the REPL
//   Suggest.swift         "did you mean" by Damerau-Levenshtein distance
//   LargeStack.swift      cells parse and run on a thread with a 256 MB stack
//
// The language in brief:
//
//   x = 1; let y = 2          assignment (`let` always binds a fresh local), `+= -= *= /=`
//   99.5%                     percent literal, exactly 0.995 (decimal point shifted in the text)
//   "a {x + 1} \{literal}"    interpolation; escapes \n \t \r \0 \" \\ \{ \}
//   [1, 2]  {a: 1, "b c": 2}  lists and records (references); `xs[i]` (negative from the end),
//                             `r.a`, `r["b c"]`; `xs[0] = 1`, `r.a = 2`
//   0..3  0..<3               integer ranges (inclusive / exclusive)
//   + - * / % **              `**` is power (right-assoc., above unary minus); `%` is floored;
//                             1/0 is inf, 0/0 nan (IEEE); `^` is rejected with a hint
//   == != < <= > >=           structural equality; ordering for numbers or strings; no chains
//   and or not                short-circuit; operands must be bool (no truthiness)
//   if c { } else if d { } else { }   also an expression: the taken block's last value
//   for x in xs { }           lists, ranges, record keys, table rows, string characters
//   while c { }  break  continue
//   fn f(a, b: 2) { a + b }   closures; implicit result is the last expression; `return`
//   fn (x) { x * 2 }          anonymous function
//   f(1, b: 3)                positional then named arguments
//   ?name                     shorthand for help("name")
//   # comment                 newlines or `;` separate statements; a trailing `;` on the
//                             cell's last expression hides its result; `_` is the last result
//
// Scoping: `x = v` updates the nearest existing binding or creates `x` in the current
// function scope; blocks do not open scopes; `let`, `fn name`, `for` variables and
// parameters bind in the current scope.
