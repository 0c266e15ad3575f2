import PruneScript

extension NotebookSession {
    /// What `?name` shows, in every front end: a builtin's help (signature, arguments, units,
    /// defaults, reference), a language topic (`for`, `syntax`…), or what a variable holds; nil
    /// when the name is none of these.
    package func help(for name: String) -> String? {
        if let text = interpreter.builtins.help(for: name) { return text }
        if let text = LanguageHelp.text(for: name) { return text }
        if let value = interpreter.global(name) { return "\(name): a \(value.typeName), \(interpreter.show(value))" }
        return nil
    }
}
