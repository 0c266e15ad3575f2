/// A scope of variables. Globals are the root; each function call gets a child of the
/// environment its closure captured. Blocks (`if`, `for`, `while`) do not open scopes.
///
/// Assignment `x = v` updates the nearest existing binding of `x`, or creates `x` in the
/// current scope; `let x = v`, `fn x(…)`, `for x in …` and parameters always bind in the
/// current scope (shadowing outer names).
final class Environment {
    // Private and never handed out whole: the cycle collector relies on each closure held here
    // being retained by this environment alone (no copy of the dictionary shares its storage).
    private var values: [String: Value] = [:]
    let parent: Environment?

    init(parent: Environment? = nil) { self.parent = parent }

    func lookup(_ name: String) -> Value? {
        var env: Environment? = self
        while let e = env {
            if let v = e.values[name] { return v }
            env = e.parent
        }
        return nil
    }

    func define(_ name: String, _ value: Value) { values[name] = value }

    /// Updates the nearest existing binding; false when there is none.
    func assign(_ name: String, _ value: Value) -> Bool {
        var env: Environment? = self
        while let e = env {
            if e.values[name] != nil { e.values[name] = value; return true }
            env = e.parent
        }
        return false
    }

    /// Every function value bound directly in this scope, once per binding (for the cycle collector).
    func forEachClosure(_ body: (Closure) -> Void) {
        for value in values.values {
            if case .function(.closure(let c)) = value { body(c) }
        }
    }

    func remove(_ name: String) { values[name] = nil }
    func removeAll() { values.removeAll() }

    /// Every visible name (for suggestions and completion).
    var allNames: [String] {
        var names = Set<String>()
        var env: Environment? = self
        while let e = env { names.formUnion(e.values.keys); env = e.parent }
        return names.sorted()
    }
}
