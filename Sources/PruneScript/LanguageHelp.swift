/// What `help("for")`, `help("fn")`, `help("syntax")`… print: the language itself, beside the
/// builtins' help. Each topic's examples are PruneScript that runs as shown (`docs/language.md`
/// holds the same reference at length, and a test runs every example there).
public enum LanguageHelp {
    /// Topic names `help` accepts, with the keywords and operators that lead to each.
    public static let aliases: [String: String] = [
        "for": "for", "in": "for", "while": "while", "break": "while", "continue": "while",
        "if": "if", "else": "if", "fn": "fn", "return": "fn", "let": "let", "=": "let",
        "and": "logic", "or": "logic", "not": "logic", "true": "logic", "false": "logic", "nil": "values",
        "syntax": "syntax", "language": "syntax", "operators": "operators", "%": "numbers", "**": "operators", "&": "operators", "|": "operators", "~": "operators",
        "numbers": "numbers", "strings": "strings", "lists": "lists", "records": "records", "tables": "tables",
        "ranges": "ranges", "..": "ranges", "values": "values", "_": "results", "Out": "results", "results": "results",
        "comments": "syntax", "#": "syntax",
    ]

    /// The topics in the order `help("syntax")` lists them.
    public static let order = ["syntax", "values", "numbers", "strings", "lists", "records", "tables", "ranges",
                               "operators", "logic", "let", "if", "for", "while", "fn", "results"]

    /// The text of a topic (or of a keyword leading to one), or nil.
    public static func text(for name: String) -> String? {
        topics[aliases[name] ?? name]
    }

    static let topics: [String: String] = [
        "syntax": """
        PruneScript syntax: statements end at a newline or `;`; `#` starts a comment; the last
        expression of a cell is its result, and a trailing `;` hides it.
          x = 1; y = x + 1          # assignment
          f(1, name: 2)             # positional, then named arguments
          ?force                    # same as help("force")
        Topics: \(LanguageHelp.order.joined(separator: ", ")); help() lists the builtins.
        """,
        "values": """
        Values: number, string, bool (true, false), nil, list, record, table, range, function, and
        engine objects (model, dataset, mask, scores, figure). Numbers, strings, bools and ranges
        are values; lists, records, tables and engine objects are references (aliases see changes).
          type([1, 2])              # "list"
        """,
        "numbers": """
        Numbers are 64-bit floats; whole ones print without a decimal point. A percent literal is
        the same number as its decimal spelling: 99.5% == 0.995 (the point moves in the text, so it
        is exact). 1/0 is inf, 0/0 is nan; % is floored modulo (-1 % 3 == 2).
          99.9% == 0.999            # true
        """,
        "strings": """
        Strings are in double quotes; "{expr}" interpolates, \\{ is a literal brace; escapes
        \\n \\t \\r \\0 \\" \\\\. + joins two strings; s[i] is a character.
          n = 3
          "n = {n + 1}"             # "n = 4"
        """,
        "lists": """
        Lists: [1, "a", true]. xs[0] is the first item, xs[-1] the last; xs[i] = v sets one;
        push(xs, v) appends in place; + joins two lists into a new one; len(xs) counts.
          xs = [1, 2]
          push(xs, 3)
          xs[-1]                    # 3
        """,
        "records": """
        Records: {a: 1, "b c": 2}, fields in insertion order. r.a or r["b c"] reads a field,
        r.a = 3 sets one; keys(r) lists the names.
          r = {method: "snip", acc: 0.9}
          r.acc                     # 0.9
        """,
        "tables": """
        Tables: table([...records]) or a list of records pushed into results; t[i] is a row,
        t.col or t["col"] a column as a list; for row in t { } iterates rows.
          t = table([{x: 1, y: 2}, {x: 3, y: 4}])
          t.y                       # [2, 4]
        """,
        "ranges": """
        Ranges: a..b includes b, a..<b stops before it; range(n) is 0..<n. for loops, len and
        aggregates accept them.
          len(1..3)                 # 3
        """,
        "operators": """
        Operators, loosest first: or; and; not; |; &; == != < <= > >= (no chains); + -; * / %;
        unary - and ~; ** (power, right-associative, so -2 ** 2 == -4); calls, x.field, x[i].
        ^ is not power: write **. On masks a & b, a | b, a - b and ~a are intersection, union,
        difference and complement; + - * / ** work elementwise on score sets.
          2 ** 3 ** 2               # 512
        """,
        "logic": """
        and, or and not take bools (no truthiness) and short-circuit; == compares structure
        (lists and records item by item), engine objects by identity.
          1 < 2 and not false       # true
        """,
        "let": """
        x = v updates the nearest existing x or creates one in the current function scope;
        let x = v always binds a fresh local; += -= *= /= update in place. Blocks do not open
        scopes.
          total = 0
          total += 5                # total is 5
        """,
        "if": """
        if c { ... } else if d { ... } else { ... }; the condition must be a bool. An if is also
        an expression: its value is the taken block's last value.
          x = if 2 > 1 { "yes" } else { "no" }
        """,
        "for": """
        for x in xs { ... } iterates a list (a snapshot of it), a range, a record's keys, a
        table's rows or a string's characters. break and continue work inside.
          for s in [90%, 99%] { print(s) }
        """,
        "while": """
        while c { ... } repeats while c is true; break leaves the loop, continue starts the next
        iteration. Ctrl-C stops any loop.
          i = 0
          while i < 3 { i += 1 }
        """,
        "fn": """
        fn name(a, b: 2) { a + b } defines a function (b is optional with a default); its
        result is the last expression, or return v. fn (x) { x * 2 } is an anonymous function;
        functions close over the variables they see.
          fn twice(x) { x * 2 }
          twice(21)                 # 42
        """,
        "results": """
        _ is the last result shown; __ and ___ the two before it; Out[n] and _n the result of
        cell n (Out[n] is nil when cell n showed none).
        """,
    ]
}
