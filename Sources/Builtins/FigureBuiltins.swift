import Foundation
import NeuralNet
import Plot
import PruneScript
import Pruning
import Tensor

/// Figures: every builtin here shows its figure at once (the notebook gets the SVG, the CLI writes
/// the file: `file:` names it inside the figures folder) and returns it for `save`.
extension BuiltinRegistry {
    static var figureParams: [Param] { [
        Param("title", .string, default: .null),
        Param("xlabel", .string, default: .null),
        Param("ylabel", .string, default: .null),
        Param("width", .number, default: .number(252), range: .atLeast(72), unit: "pt (252 = one column, 504 = two)"),
        Param("height", .number, default: .number(172.8), range: .atLeast(72), unit: "pt"),
        Param("file", .string, default: .null, defaultText: "<notebook>-<cell>-<n>.svg", doc: "file name inside the figures folder"),
        Param("legend", LegendChoice.self, default: .auto),
    ] }

    /// Makes the figure, shows it, returns its handle.
    static func show(_ figure: Figure, _ args: Arguments) throws -> Value {
        var fig = figure
        if args.has("title") { fig.title = try args.string("title") }
        switch try args.choice("legend", as: LegendChoice.self) {
        case .right: fig.legend = .right
        case .none: fig.legend = .none
        case .auto: fig.legend = .auto
        }
        var file: String?
        if args.has("file") {
            let f = try args.string("file")
            guard f.hasSuffix(".svg"), !f.hasPrefix("/"), !f.split(separator: "/").contains("..") else {
                throw args.error(.value, "file must be a relative .svg name inside the figures folder, got \(quote(f))", argument: "file")
            }
            file = f
        }
        let handle = FigureHandle(fig, file: file)
        for w in handle.warnings { args.context.warn(w) }
        args.context.display(.svg(handle.svg, name: file, alt: fig.altText))
        return .handle(handle)
    }

    static func newFigure(_ args: Arguments) throws -> Figure {
        var fig = Figure(width: try args.number("width"), height: try args.number("height"))
        if args.has("xlabel") { fig.panels[0].xLabel = try args.string("xlabel") }
        if args.has("ylabel") { fig.panels[0].yLabel = try args.string("ylabel") }
        return fig
    }

    /// Rows of a table or of a list of records.
    static func rows(_ v: Value, _ args: Arguments, _ name: String) throws -> [RecordStorage] {
        switch v {
        case .table(let t): return t.rows
        case .list(let l):
            return try l.items.map { item in
                guard case .record(let r) = item else {
                    throw args.error(.type, "\(name) must be a table or a list of records, found a \(item.typeName) in the list", argument: name)
                }
                return r
            }
        default: throw args.error(.type, "\(name) must be a table or a list of records, got \(v.typeName)", argument: name)
        }
    }

    /// Numbers of a list or range (nil/NaN allowed: the figure drops them with a warning).
    static func numberList(_ v: Value, _ args: Arguments, _ name: String) throws -> [Double] {
        switch v {
        case .range(let r): return (0..<min(r.count, 10_000_000)).map { Double(r.element($0)) }
        case .list(let l):
            return try l.items.map { item in
                switch item {
                case .number(let x): return x
                case .null: return .nan
                default: throw args.error(.type, "\(name) must hold numbers, found a \(item.typeName)", argument: name)
                }
            }
        case .handle(let h as ScoresHandle): return h.values
        case .handle(let t as TensorHandle): return t.tensor.scalars.map(Double.init)
        default: throw args.error(.type, "\(name) must be a list of numbers, got \(v.typeName)", argument: name)
        }
    }

    static func column(_ rows: [RecordStorage], _ key: String, _ args: Arguments, _ argName: String) throws -> [Double] {
        guard rows.isEmpty || rows.contains(where: { $0[key] != nil }) else {
            let keys = rows.first?.keys ?? []
            throw args.error(.key, "no column '\(key)'; columns: \(keys.joined(separator: ", "))", argument: argName,
                             hint: Suggest.hint(for: key, in: keys))
        }
        return try rows.map { r in
            switch r[key] ?? .null {
            case .number(let x): return x
            case .null: return .nan
            case let other: throw args.error(.type, "column '\(key)' must hold numbers, found \(other.repr)", argument: argName)
            }
        }
    }

    /// Rows grouped by a column's value text, in order of first appearance.
    static func groups(_ rows: [RecordStorage], by key: String?, _ args: Arguments) -> [(String?, [RecordStorage])] {
        guard let key else { return [(nil, rows)] }
        var order: [String] = []
        var members: [String: [RecordStorage]] = [:]
        for r in rows {
            let label = label(r[key], key: key, args)
            if members[label] == nil { order.append(label) }
            members[label, default: []].append(r)
        }
        return order.map { ($0, members[$0] ?? []) }
    }

    /// A value as a category or series label: a fraction in a percentage column (sparsity,
    /// density) as "99.5%", anything else as `print` shows it.
    static func label(_ v: Value?, key: String, _ args: Arguments) -> String {
        if case .number(let x)? = v, args.context.registry.display.percentFields.contains(key), let p = formatPercent(x) { return p }
        return args.context.text(v ?? .null)
    }

    static func scale(_ args: Arguments, _ name: String) throws -> Scale? {
        guard args.has(name) else { return nil }
        let s = try args.string(name)
        switch s {
        case "compression": return .sparsity(labels: .compression)
        case "log-plain": return .log(labels: .plain)
        default: return Scale(name: s)
        }
    }

    static func tensor(from value: Value, layer: String?, _ args: Arguments) throws -> (name: String, tensor: Tensor<Float>, label: String) {
        func pick(_ names: [String], _ get: (String) -> Tensor<Float>?, _ label: String) throws -> (String, Tensor<Float>, String) {
            let name = layer ?? names.first ?? ""
            guard let t = get(name) else {
                throw args.error(.key, "no layer '\(name)'; layers: \(names.joined(separator: ", "))", argument: "layer",
                                 hint: Suggest.hint(for: name, in: names))
            }
            return (name, t, label)
        }
        switch value {
        case .handle(let h as ScoresHandle):
            return try pick(h.scores.names, { h.scores.scores($0) }, "\(h.method) score")
        case .handle(let h as MaskHandle):
            return try pick(h.mask.names, { n in h.mask.entry(n).map { Tensor<Float>(shape: $0.shape, scalars: $0.bits.map(Float.init)) } }, "kept")
        case .handle(let h as ModelHandle):
            let names = h.network.prunable.map(\.name)
            return try pick(names, { n in h.network.parameter(named: n)?.value }, "weight")
        default:
            throw args.error(.type, "heatmap shows scores, a mask, a model's weights or a matrix (list of lists), got \(value.typeName)", argument: "source")
        }
    }

    mutating func registerFigures(settings: EngineSettings) {
        register("plot", positional: [Param("data", .oneOf([.table, .sequence])),
                                       Param("values", .sequence, default: .null, doc: "y values when data holds the x values")],
                 named: [
                    Param("x", .string, default: .null, doc: "column for the x axis"),
                    Param("y", .oneOf([.string, .list]), default: .null, doc: "column (or list of columns) for the y axis"),
                    Param("by", .string, default: .null, doc: "column whose values name the series"),
                    Param("band", .bool, default: .null, defaultText: "when an x repeats within a series",
                          doc: "mean ± spread over repeated x (e.g. seeds)"),
                    Param("error", ErrorKind.self, default: .standardDeviation, doc: "band width: standard deviation or standard error"),
                    Param("kind", PlotKindChoice.self, default: .line),
                    Param("xscale", .string, default: .null, choices: AxisScaleChoice.allCases.map(\.rawValue)),
                    Param("yscale", .string, default: .null, choices: AxisScaleChoice.allCases.map(\.rawValue)),
                 ] + Self.figureParams,
                 doc: "Line or scatter plot of a table (x:, y:, by:) or of two lists; repeated x values draw mean ± band.") { args in
            var fig = try Self.newFigure(args)
            fig.panels[0].xScale = try Self.scale(args, "xscale")
            fig.panels[0].yScale = try Self.scale(args, "yscale")
            var series: [(label: String?, x: [Double], y: [Double])] = []
            if args.has("values") {
                series = [(nil, try Self.numberList(args["data"], args, "data"), try Self.numberList(args["values"], args, "values"))]
                guard series[0].x.count == series[0].y.count else {
                    throw args.error(.value, "\(series[0].x.count) x values but \(series[0].y.count) y values", argument: "values")
                }
            } else if case .list(let l) = args["data"], l.items.allSatisfy({ if case .number = $0 { return true } else { return false } }) {
                let y = try Self.numberList(args["data"], args, "data")
                series = [(nil, (0..<y.count).map(Double.init), y)]
            } else {
                let rows = try Self.rows(args["data"], args, "data")
                guard args.has("x"), args.has("y") else {
                    throw args.error(.argument, "plotting a table needs x: and y: columns", hint: rows.first.map { "columns: " + $0.keys.joined(separator: ", ") })
                }
                let xKey = try args.string("x")
                let yKeys: [String]
                if case .list(let l) = args["y"] { yKeys = l.items.map(\.text) } else { yKeys = [try args.string("y")] }
                let by = args.has("by") ? try args.string("by") : nil
                for (label, members) in Self.groups(rows, by: by, args) {
                    for yKey in yKeys {
                        let name = [label, yKeys.count > 1 ? yKey : nil].compactMap { $0 }.joined(separator: " ")
                        series.append((name.isEmpty ? nil : name, try Self.column(members, xKey, args, "x"), try Self.column(members, yKey, args, "y")))
                    }
                }
                if !args.has("xlabel") { fig.panels[0].xLabel = xKey }
                if !args.has("ylabel"), yKeys.count == 1 { fig.panels[0].yLabel = yKeys[0] }
            }
            let errorKind = try args.choice("error", as: ErrorKind.self)
            for s in series {
                let repeats = Set(s.x).count < s.x.count
                let band = args.has("band") ? try args.bool("band") : repeats
                if band {
                    fig.add(.band(x: s.x, y: s.y, label: s.label, error: errorKind))
                } else if try args.choice("kind", as: PlotKindChoice.self) == .scatter {
                    fig.add(.scatter(x: s.x, y: s.y, label: s.label))
                } else {
                    fig.add(.line(x: s.x, y: s.y, label: s.label))
                }
            }
            return try Self.show(fig, args)
        }

        register("hist", positional: [Param("values", .oneOf([.sequence, .handle("scores")]))],
                 named: [
                    Param("bins", .integer, default: .number(30), range: ParamRange(1...1000)),
                    Param("log", .bool, default: .bool(false), doc: "bins of equal width in log10 (positive values only)"),
                    Param("log_counts", .bool, default: .bool(false), doc: "logarithmic count axis"),
                    Param("layer", .string, default: .null, defaultText: "every layer", doc: "one tensor of a scores value"),
                 ] + Self.figureParams,
                 doc: "Histogram of numbers or of saliency scores.") { args in
            var fig = try Self.newFigure(args)
            var values: [Double]
            if case .handle(let h as ScoresHandle) = args["values"], args.has("layer") {
                values = try Self.tensor(from: args["values"], layer: try args.string("layer"), args).tensor.scalars.map(Double.init)
                if !args.has("xlabel") { fig.panels[0].xLabel = "\(h.method) score" }
            } else {
                values = try Self.numberList(args["values"], args, "values")
                if case .handle(let h as ScoresHandle) = args["values"], !args.has("xlabel") { fig.panels[0].xLabel = "\(h.method) score" }
            }
            let logBins = try args.bool("log")
            if logBins {
                let zeros = values.filter { $0 <= 0 }.count
                if zeros > 0 { args.context.warn("hist(log: true) leaves out \(zeros) values ≤ 0") }
                values = values.filter { $0 > 0 }
            }
            if !args.has("ylabel") { fig.panels[0].yLabel = "count" }
            fig.add(.histogram(values, bins: try args.int("bins"), logBins: logBins, logCounts: try args.bool("log_counts")))
            return try Self.show(fig, args)
        }

        register("bars", positional: [Param("data", .oneOf([.table, .list]))],
                 named: [Param("x", .string, doc: "column naming the categories"), Param("y", .string, doc: "column of bar heights"),
                         Param("by", .string, default: .null, doc: "column whose values form grouped series"),
                         Param("yscale", .string, default: .null, choices: ValueScaleChoice.allCases.map(\.rawValue))] + Self.figureParams,
                 doc: "Grouped bar chart of a table; repeated (x, by) pairs show their mean with ± standard deviation.") { args in
            var fig = try Self.newFigure(args)
            fig.panels[0].xScale = .category
            fig.panels[0].yScale = try Self.scale(args, "yscale")
            let rows = try Self.rows(args["data"], args, "data")
            let xKey = try args.string("x"), yKey = try args.string("y")
            var categories: [String] = []
            for r in rows where !categories.contains(Self.label(r[xKey], key: xKey, args)) { categories.append(Self.label(r[xKey], key: xKey, args)) }
            for (label, members) in Self.groups(rows, by: args.has("by") ? try args.string("by") : nil, args) {
                let heights = try Self.column(members, yKey, args, "y")
                var samples: [String: [Double]] = [:]
                for (r, h) in zip(members, heights) { samples[Self.label(r[xKey], key: xKey, args), default: []].append(h) }
                let means = categories.map { c in samples[c].map { $0.reduce(0, +) / Double($0.count) } ?? .nan }
                let repeated = samples.values.contains { $0.count > 1 }
                let errors: [Double]? = repeated ? categories.map { c in
                    guard let v = samples[c], v.count > 1 else { return 0 }
                    let m = v.reduce(0, +) / Double(v.count)
                    return (v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(v.count - 1)).squareRoot()
                } : nil
                fig.add(.bars(categories: categories, values: means, errors: errors, label: label))
            }
            if !args.has("xlabel") { fig.panels[0].xLabel = xKey }
            if !args.has("ylabel") { fig.panels[0].yLabel = yKey }
            return try Self.show(fig, args)
        }

        register("heatmap", positional: [Param("source", .oneOf([.handle("scores"), .handle("mask"), .handle("model"), .list]))],
                 named: [Param("layer", .string, default: .null, defaultText: "the first prunable layer"),
                         Param("channel", .integer, default: .number(0), range: .atLeast(0), doc: "input channel shown for a conv layer"),
                         Param("abs", .bool, default: .bool(false), doc: "show absolute values")] + Self.figureParams,
                 doc: "Heatmap of a linear layer's matrix, or a grid of a conv layer's kernels, from scores, a mask or weights.") { args in
            var fig = try Self.newFigure(args)
            let useAbs = try args.bool("abs")
            if case .list(let rowsList) = args["source"] {
                let matrix = try rowsList.items.map { try Self.numberList($0, args, "source") }
                fig.add(.heatmap(useAbs ? matrix.map { $0.map(Swift.abs) } : matrix))
                return try Self.show(fig, args)
            }
            let (name, t, label) = try Self.tensor(from: args["source"], layer: args.has("layer") ? try args.string("layer") : nil, args)
            let v = t.scalars.map { useAbs ? Swift.abs(Double($0)) : Double($0) }
            if !args.has("title") { fig.title = name }
            switch t.shape.count {
            case 2:
                let (rows, cols) = (t.shape[0], t.shape[1])
                fig.add(.heatmap((0..<rows).map { r in Array(v[(r * cols)..<((r + 1) * cols)]) }, colorbarLabel: label))
                if !args.has("xlabel") { fig.panels[0].xLabel = "input unit" }
                if !args.has("ylabel") { fig.panels[0].yLabel = "output unit" }
            case 4:
                let (o, i, kh, kw) = (t.shape[0], t.shape[1], t.shape[2], t.shape[3])
                let c = try args.int("channel")
                guard c < i else { throw args.error(.value, "\(name) has \(i) input channels, channel \(c) does not exist", argument: "channel") }
                let kernels = (0..<o).map { oc in
                    (0..<kh).map { r in (0..<kw).map { q in v[((oc * i + c) * kh + r) * kw + q] } }
                }
                fig.add(.kernelGrid(kernels, colorbarLabel: label))
            default:
                throw args.error(.value, "\(name) has shape \(t.shape): heatmaps show 2-D or conv (4-D) tensors", argument: "layer")
            }
            return try Self.show(fig, args)
        }

        register("layers", positional: [Param("masks", .oneOf([.handle("mask"), .list]))],
                 named: [Param("yscale", .string, default: .null, choices: ValueScaleChoice.allCases.map(\.rawValue))] + Self.figureParams,
                 doc: "Per-layer density (kept fraction) of one mask or of several (grouped by method).") { args in
            var fig = try Self.newFigure(args)
            let masks: [MaskHandle]
            switch args["masks"] {
            case .handle(let h as MaskHandle): masks = [h]
            case .list(let l):
                masks = try l.items.map { item in
                    guard case .handle(let h as MaskHandle) = item else { throw args.error(.type, "layers takes masks, found a \(item.typeName)", argument: "masks") }
                    return h
                }
            default: throw args.error(.type, "layers takes a mask or a list of masks", argument: "masks")
            }
            fig.panels[0].xScale = .category
            fig.panels[0].yScale = try Self.scale(args, "yscale")
            for m in masks {
                let names = m.mask.names.map { $0.hasSuffix(".weight") ? String($0.dropLast(7)) : $0 }
                fig.add(.bars(categories: names, values: m.mask.entries.map { Double($0.kept) / Double(max(1, $0.count)) },
                              label: masks.count > 1 ? "\(m.method) \(percent(m.mask.sparsity))" : nil))
            }
            if !args.has("xlabel") { fig.panels[0].xLabel = "layer" }
            if !args.has("ylabel") { fig.panels[0].yLabel = "density (kept fraction)" }
            return try Self.show(fig, args)
        }
    }
}
