import Foundation
import Testing
@testable import PruneScript

/// SplitMix64: a tiny seeded generator so the fuzz corpus is the same on every run.
struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func int(_ n: Int) -> Int { Int(next() % UInt64(max(1, n))) }
    mutating func chance(_ p: Double) -> Bool { Double(next() % 10_000) / 10_000 < p }
    mutating func pick<T>(_ xs: [T]) -> T { xs[int(xs.count)] }
}

/// Generates random, mostly well-formed PruneScript.
struct ProgramGenerator {
    var rng: SplitMix64
    let names = ["a", "b", "c", "xs", "r", "t", "f", "g", "n", "s", "_", "i"]
    let builtins: [String]
    let labels = ["by", "digits", "reverse", "sep", "n", "x", "sparsity", "value", "f", "bogus"]

    init(seed: UInt64) {
        rng = SplitMix64(state: seed)
        builtins = BuiltinRegistry.core.names.filter { $0 != "help" && $0 != "time" }
    }

    mutating func number() -> String {
        switch rng.int(8) {
        case 0: return "\(rng.int(10))"
        case 1: return "\(rng.int(1000)).\(rng.int(100))"
        case 2: return "\(rng.int(100))%"
        case 3: return "1e\(rng.pick(["300", "-300", "999", "5", "-5"]))"
        case 4: return rng.pick(["0", "-1", "9007199254740993", "1_000_000", "0.5"])
        default: return "\(rng.int(5))"
        }
    }

    mutating func expr(_ depth: Int) -> String {
        if depth <= 0 { return rng.chance(0.5) ? number() : rng.pick(names) }
        switch rng.int(22) {
        case 0, 1: return number()
        case 2, 3: return rng.pick(names)
        case 4: return "\"s{\(expr(depth - 1))}x\""
        case 5: return "[" + (0..<rng.int(4)).map { _ in expr(depth - 1) }.joined(separator: ", ") + "]"
        case 6: return "{" + (0..<rng.int(3)).map { "k\($0): \(expr(depth - 1))" }.joined(separator: ", ") + "}"
        case 7, 8: return "\(expr(depth - 1)) \(rng.pick(["+", "-", "*", "/", "%", "**", "==", "!=", "<", ">=", "and", "or", "..", "..<"])) \(expr(depth - 1))"
        case 9: return "\(rng.pick(["-", "not "]))\(expr(depth - 1))"
        case 10, 11, 12:
            var args = (0..<rng.int(3)).map { _ in expr(depth - 1) }
            if rng.chance(0.4) { args.append("\(rng.pick(labels)): \(expr(depth - 1))") }
            return "\(rng.chance(0.8) ? rng.pick(builtins) : rng.pick(names))(\(args.joined(separator: ", ")))"
        case 13: return "\(expr(depth - 1))[\(expr(depth - 1))]"
        case 14: return "\(expr(depth - 1)).\(rng.pick(["k0", "k1", "a", "acc"]))"
        case 15: return "if \(expr(depth - 1)) { \(expr(depth - 1)) } else { \(expr(depth - 1)) }"
        case 16: return "fn (x) { \(expr(depth - 1)) }"
        case 17: return "(\(expr(depth - 1)))"
        case 18: return "table([{a: \(expr(depth - 1))}, {a: \(expr(depth - 1)), b: 1}])"
        case 19: return "sort(\(expr(depth - 1)), by: \(rng.pick(["\"a\"", "fn (v) { v }", "f"])))"
        case 20: return "group(\(expr(depth - 1)), by: \"a\")"
        default: return "range(\(rng.int(50)))"
        }
    }

    mutating func block(_ depth: Int) -> String {
        "{ " + (0..<(1 + rng.int(3))).map { _ in stmt(depth - 1) }.joined(separator: "; ") + " }"
    }

    mutating func stmt(_ depth: Int) -> String {
        let d = max(0, depth)
        switch rng.int(16) {
        case 0, 1, 2: return "\(rng.pick(names)) = \(expr(d))"
        case 3: return "let \(rng.pick(names)) = \(expr(d))"
        case 4: return "\(rng.pick(names)) \(rng.pick(["+=", "-=", "*=", "/="])) \(expr(d))"
        case 5: return "\(rng.pick(names))[\(expr(0))] = \(expr(d))"
        case 6: return "\(rng.pick(names)).\(rng.pick(["k0", "a"])) = \(expr(d))"
        case 7: return "for \(rng.pick(names)) in \(expr(d)) \(block(d))"
        case 8: return "while \(expr(d)) \(block(d))"
        case 9: return "if \(expr(d)) \(block(d)) else \(block(d))"
        case 10: return "fn \(rng.pick(names))(x, y: \(expr(0))) \(block(d))"
        case 11: return rng.pick(["break", "continue", "return", "return \(expr(d))"])
        case 12: return "print(\(expr(d)))"
        case 13: return "push(\(rng.pick(names)), \(expr(d)))"
        default: return expr(d)
        }
    }

    mutating func program() -> String {
        (0..<(1 + rng.int(6))).map { _ in stmt(3) }.joined(separator: rng.chance(0.5) ? "\n" : "; ")
    }

    mutating func tokenSoup() -> String {
        let vocab = ["(", ")", "[", "]", "{", "}", ",", ":", ";", ".", "..", "..<", "+", "-", "*", "/", "%", "**",
                     "=", "==", "!=", "<", ">", "+=", "if", "else", "for", "in", "while", "fn", "let", "return",
                     "break", "continue", "and", "or", "not", "true", "nil", "x", "f", "xs", "1", "2.5", "99%",
                     "\"a{x}\"", "\"", "{", "\n", "#", "?", "^", "!", "\\", "\"{", "}\"", "1e999", "é", "\t"]
        return (0..<rng.int(40)).map { _ in rng.pick(vocab) }.joined(separator: rng.chance(0.5) ? " " : "")
    }

    mutating func mutate(_ s: String) -> String {
        var chars = Array(s.unicodeScalars)
        let alphabet = Array("(){}[]\"{}\\#%.,:;=+-*/<>!^ \nxyz019".unicodeScalars)
        for _ in 0..<(1 + rng.int(4)) {
            guard !chars.isEmpty else { break }
            let i = rng.int(chars.count)
            switch rng.int(4) {
            case 0: chars.remove(at: i)
            case 1: chars.insert(rng.pick(alphabet), at: i)
            case 2: chars[i] = rng.pick(alphabet)
            default:
                let j = rng.int(chars.count)
                let len = min(rng.int(20), chars.count - j)
                chars.insert(contentsOf: chars[j..<(j + len)], at: i)
            }
        }
        var out = ""
        out.unicodeScalars.append(contentsOf: chars)
        return out
    }
}

private func fuzzSession() -> Interpreter {
    var limits = Interpreter.Limits()
    limits.maxSteps = 5_000
    limits.maxCollectionSize = 20_000
    limits.maxStringLength = 20_000
    let s = Interpreter(limits: limits)
    _ = s.run("a = 1; b = [1, 2]; c = \"c\"; xs = [3, 1, 2]; r = {k0: 1, a: 2}; t = table([{a: 1}, {a: 2}])\n"
              + "fn f(x, y: 1) { x }; g = fn (v) { v }; n = 3; s = \"s\"; i = 0", cell: 0)
    return s
}

@Test func fuzzNeverCrashes() throws {
    var gen = ProgramGenerator(seed: 0x5EED_2026)
    var corpus: [String] = []
    for _ in 0..<1200 { corpus.append(gen.program()) }
    for _ in 0..<600 { corpus.append(gen.tokenSoup()) }
    let scripts = scriptFiles().compactMap { try? String(contentsOf: scriptDirectory.appendingPathComponent($0), encoding: .utf8) }
    let chunks = scripts.flatMap { parseScriptChunks($0).map(\.code) }
    for _ in 0..<800 { corpus.append(gen.mutate(gen.rng.pick(chunks))) }
    for _ in 0..<600 { corpus.append(gen.mutate(gen.rng.pick(corpus))) }
    #expect(corpus.count == 3200)

    var session = fuzzSession()
    var results = 0, errors = 0
    var kinds = Set<ScriptError.Kind>()
    for (i, program) in corpus.enumerated() {
        if i % 40 == 0 { session = fuzzSession() }
        let r = session.run(program, cell: i % 40 + 1)
        if let e = r.error {
            errors += 1
            kinds.insert(e.kind)
            _ = session.render(e)  // rendering never traps either
            #expect(e.location != nil, "error without a location for: \(program)")
        } else {
            results += 1
            _ = r.value?.repr
        }
        if i % 8 == 0 { _ = isComplete(program) }
    }
    #expect(results + errors == corpus.count)
    #expect(results > 150 && errors > 300, "results \(results), errors \(errors)")
    #expect(kinds.isSuperset(of: [.syntax, .name, .type]))
}

@Test func fuzzMutatedScriptsCheckCleanly() {
    var gen = ProgramGenerator(seed: 42)
    let scripts = scriptFiles().compactMap { try? String(contentsOf: scriptDirectory.appendingPathComponent($0), encoding: .utf8) }
    for _ in 0..<60 {
        let program = gen.mutate(gen.rng.pick(scripts))
        let errors = Interpreter.check(program)
        #expect(errors.count <= Parser.maxErrors * 2)
        for e in errors { #expect(e.kind == .syntax && e.location != nil) }
    }
}
