/// The Markdown transcript of a notebook: Markdown cells as they are, code in ```` ```prune ````
/// fences, text outputs and errors in plain fences, figures as `![caption](path)` links.
/// Blocks are separated by one blank line; the text ends with one newline.
public enum MarkdownTranscript {
    /// The transcript. A figure links its output's `file` (relative to the `.md` file), with
    /// the cell's `fig-cap` option, else the figure's `text/plain`, as caption; a figure
    /// without a file shows its text in a fence.
    public static func render(_ notebook: Notebook) -> String {
        var blocks: [String] = []
        for cell in notebook.cells {
            switch cell.kind {
            case .markdown, .raw:
                if !cell.source.isEmpty { blocks.append(cell.source) }
            case .code:
                blocks.append(fenced(cell.source, info: "prune"))
                // printed text, warnings and text displays (a builtin's closing line) read as one
                // block, as they did on the terminal
                var text = ""
                func flush() {
                    if !text.isEmpty { blocks.append(fenced(text)) }
                    text = ""
                }
                for output in cell.outputs {
                    switch output {
                    case let .stream(_, t), let .displayData(nil, nil, t, nil):
                        text += t.hasSuffix("\n") || t.isEmpty ? t : t + "\n"
                    case let .executeResult(_, t, _):
                        flush()
                        blocks.append(fenced(t))
                    case let .displayData(_, _, t, file):
                        flush()
                        if let file {
                            let caption = cell.figureCaption ?? (t.isEmpty ? "figure" : t)
                            blocks.append("![\(escapeCaption(caption))](\(escapeLink(file)))")
                        } else {
                            blocks.append(fenced(t))
                        }
                    case let .error(ename, evalue, traceback):
                        flush()
                        blocks.append(fenced(traceback.isEmpty ? "\(ename): \(evalue)" : traceback.joined(separator: "\n")))
                    }
                }
                flush()
            }
        }
        return blocks.isEmpty ? "" : blocks.joined(separator: "\n\n") + "\n"
    }

    /// A fenced block, with a fence longer than any backtick run inside.
    static func fenced(_ text: String, info: String = "") -> String {
        var longest = 0, run = 0
        for ch in text.unicodeScalars {
            run = ch == "`" ? run + 1 : 0
            longest = max(longest, run)
        }
        let fence = String(repeating: "`", count: max(3, longest + 1))
        var body = text
        if body.unicodeScalars.last == "\n" { body.unicodeScalars.removeLast() }
        return fence + info + "\n" + (body.isEmpty ? "" : body + "\n") + fence
    }

    /// One line, with brackets escaped so the alt text cannot end early.
    static func escapeCaption(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case "\n", "\r": out += " "
            case "[", "]", "\\": out += "\\" + String(u)
            default: out.unicodeScalars.append(u)
            }
        }
        return out.trimmingSpaces
    }

    /// Spaces and parentheses percent-encoded so the link target stays one token.
    static func escapeLink(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case " ": out += "%20"
            case "(": out += "%28"
            case ")": out += "%29"
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }
}
