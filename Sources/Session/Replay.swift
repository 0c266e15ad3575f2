import JSON
import Notebook
import PruneScript

/// A `-p name=value` override that cannot apply: no parameters cell, an unknown name, or a
/// value that is not a PruneScript literal. A usage error (`run` exits 64).
package struct ParameterError: Error, CustomStringConvertible {
    package var description: String
    package init(_ description: String) { self.description = description }
}

/// The cell that stopped a replay: its execution count and the rendered error.
package struct ReplayFailure: Equatable {
    package var cell: Int
    package var text: String
}

extension NotebookSession {
    /// Replays every code cell of the notebook from a clean state, in order, as `prunebook run`
    /// does and as the sweep does for each point: the header's `seed` first; papermill-style
    /// parameters, i.e. the cell tagged `parameters` runs as written and a cell tagged
    /// `injected-parameters` right after it assigns the overrides (their values also recorded in
    /// the metadata). Stops at the first
    /// failing cell (later cells stay unexecuted) and returns it; nil when every cell ran.
    ///
    /// Throws `ParameterError` before running anything when an override does not apply.
    package func replay(overrides: [Parameters.Override]) throws(ParameterError) -> ReplayFailure? {
        if !overrides.isEmpty {
            // new values replace the cell an earlier `-p` run injected
            notebook.cells.removeAll { $0.kind == .code && $0.tags.contains(Parameters.injectedTag) }
        }
        let parameterCell = Parameters.cellIndex(in: notebook)
        if !overrides.isEmpty {
            guard let parameterCell else {
                throw ParameterError("-p needs a code cell tagged 'parameters' (#| tags: [parameters])")
            }
            let known = Parameters.assignedNames(in: notebook.cells[parameterCell].source)
            for o in overrides where !known.contains(o.name) {
                throw ParameterError("unknown parameter '\(o.name)'; the parameters cell assigns: "
                                     + (known.isEmpty ? "nothing" : known.joined(separator: ", ")))
            }
        }
        if let seed = notebook.header?["seed"]?.intValue, seed >= 0 { interpreter.seed = UInt64(seed) }
        for o in overrides {
            do {
                parameters[o.name] = Parameters.json(try interpreter.evaluate(o.text))
            } catch {
                throw ParameterError("-p \(o.name)=\(o.text): \((error as? ScriptError)?.headline ?? "\(error)")"
                                     + " (a PruneScript literal; strings need quotes: -p \(o.name)='\"text\"')")
            }
        }
        // papermill's convention: the overrides as a cell of their own, right after the parameters
        // cell, so the transcript shows the values the run used
        if let parameterCell, !overrides.isEmpty {
            let lines = ["#| tags: [\(Parameters.injectedTag)]", "# Parameters given with -p"] + overrides.map { "\($0.name) = \($0.text)" }
            notebook.cells.insert(.code(lines.joined(separator: "\n")), at: parameterCell + 1)
        }
        for index in notebook.codeCellIndices {
            let result = run(cellAt: index)
            if result.error != nil { return ReplayFailure(cell: executionCount, text: render(result) ?? "error") }
        }
        return nil
    }
}
