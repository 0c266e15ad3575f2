/// Frees the scopes that function values keep alive in a cycle.
///
/// A function defined inside a function body captures the call's environment, and that
/// environment holds the function: a cycle ARC never frees. Environments are references held
/// from places the interpreter cannot see (Swift frames, builtins, engine objects), so this
/// collector does not trace from roots; it finds what is *only* held by the cycle, the way
/// CPython's collector does: for each tracked object, its strong reference count minus the
/// references from other tracked objects is what the rest of the program holds. Objects with
/// such outside references, and everything tracked they reach, are alive; the others are
/// unreachable and their scopes are emptied, which breaks the cycle.
///
/// Tracked: environments that captured a function (registered as closures are created), their
/// parents, and the closures bound directly in them. Every edge counted is a reference that
/// object alone owns (a closure's `environment`, a scope's `parent`, a binding in a scope's
/// private dictionary), so a reference from anywhere else (a list, a record, an engine object,
/// a Swift local) only ever makes an object look *more* alive. If the counts ever disagree with
/// this model (an object with fewer references than tracked edges into it), nothing is freed.
final class CycleCollector {
    private final class WeakEnvironment {
        weak var environment: Environment?
        init(_ environment: Environment) { self.environment = environment }
    }

    private var tracked: [ObjectIdentifier: WeakEnvironment] = [:]
    /// Registrations since the last collection.
    private(set) var pending = 0
    /// Registrations that trigger a collection in the middle of a cell (grows with what survives).
    private var threshold = 1_000
    /// Set when the counts contradicted the model once: collection is off for this session.
    private(set) var disabled = false

    /// Registers an environment a new closure captured.
    func track(_ environment: Environment) {
        let id = ObjectIdentifier(environment)
        if tracked[id]?.environment !== environment {
            tracked[id] = WeakEnvironment(environment)
        }
        pending += 1
    }

    /// Collections run so far (for tests).
    private(set) var collections = 0
    /// Tracked environments still alive.
    var liveCount: Int { tracked.values.reduce(0) { $0 + ($1.environment == nil ? 0 : 1) } }

    /// True while some tracked scope may still be alive (a cell's end collects then: the cell
    /// may have dropped the last outside reference to one).
    var isTracking: Bool { !tracked.isEmpty }

    /// True when enough scopes were registered since the last collection to collect now.
    var isDue: Bool { pending >= threshold }

    /// Empties every tracked environment that only cycles keep alive. Returns how many.
    @discardableResult
    func collect() -> Int {
        pending = 0
        collections += 1
        tracked = tracked.filter { $0.value.environment != nil }
        guard !disabled, !tracked.isEmpty else { return 0 }

        // The graph: tracked objects (held once each by `objects`) and the edges among them.
        var objects: [AnyObject] = []
        var index: [ObjectIdentifier: Int] = [:]
        var edges: [[Int]] = []
        var environments: [Int] = []
        func add(_ object: AnyObject) -> (index: Int, isNew: Bool) {
            if let i = index[ObjectIdentifier(object)] { return (i, false) }
            index[ObjectIdentifier(object)] = objects.count
            objects.append(object)
            edges.append([])
            return (objects.count - 1, true)
        }
        var work: [Environment] = tracked.values.compactMap(\.environment)
        for e in work { environments.append(add(e).index) }
        /// An environment's index, queued to be walked the first time it is seen.
        func reach(_ e: Environment) -> Int {
            let (i, isNew) = add(e)
            if isNew { environments.append(i); work.append(e) }
            return i
        }
        while let env = work.popLast() {
            let from = add(env).index
            if let parent = env.parent {
                let p = reach(parent)
                edges[from].append(p)
            }
            env.forEachClosure { closure in
                let (c, isNew) = add(closure)
                edges[from].append(c)
                guard isNew else { return }
                let e = reach(closure.environment)
                edges[c].append(e)
            }
        }

        // What the array itself adds to a count: measured on an object only the array holds.
        objects.append(Environment())
        var counts = objects.map(Self.strongCount)
        let baseline = counts.removeLast()
        objects.removeLast()
        for targets in edges { for t in targets { counts[t] -= 1 } }
        var alive = [Bool](repeating: false, count: objects.count)
        var stack: [Int] = []
        for i in counts.indices {
            let outside = counts[i] - baseline
            guard outside >= 0 else { disabled = true; return 0 }
            if outside > 0 { alive[i] = true; stack.append(i) }
        }
        while let i = stack.popLast() {
            for t in edges[i] where !alive[t] { alive[t] = true; stack.append(t) }
        }
        var freed = 0
        for i in environments where !alive[i] {
            (objects[i] as? Environment)?.removeAll()
            freed += 1
        }
        threshold = max(1_000, 2 * (tracked.count - freed))
        return freed
    }

    @inline(never)
    private static func strongCount(_ object: AnyObject) -> Int { Int(_getRetainCount(object)) }
}
