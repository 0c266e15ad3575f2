/// Where each cell's source starts in the text of an `.ipynb` file, so that a location inside a
/// cell maps to a line of the file (`prunebook check` prints `file:line:column`, as compilers do).
///
/// A single pass over the JSON text that tracks strings, nesting and the key under which each
/// container opened: for every object directly in the top-level `cells` array, the line of the
/// first string of its `source` value (a list of lines, or one string).
enum IpynbSourceLines {
    /// One entry per cell in order: the 1-based line of its first source line, or nil (empty source).
    static func scan(_ text: String) -> [Int?] {
        var result: [Int?] = []
        var line = 1
        // the containers open at this point: whether an object, and the key it opened under
        var stack: [(isObject: Bool, key: String?)] = []
        var lastKey: String?          // in the innermost object, the key whose value comes next
        var expectingKey = false
        var inSource = false          // inside the source value of a cell
        var sourceDepth = 0
        var foundSource = false
        var bytes = text.utf8.makeIterator()
        var pending: UInt8?

        func next() -> UInt8? {
            if let p = pending { pending = nil; return p }
            return bytes.next()
        }

        /// A string token: its text when it is short enough to be a key we care about.
        func readString() -> String {
            var buffer: [UInt8] = []
            var escaped = false
            while let b = next() {
                if b == UInt8(ascii: "\n") { line += 1 }
                if escaped { escaped = false; if buffer.count < 16 { buffer.append(b) }; continue }
                if b == UInt8(ascii: "\\") { escaped = true; continue }
                if b == UInt8(ascii: "\"") { break }
                if buffer.count < 16 { buffer.append(b) }
            }
            return String(decoding: buffer, as: UTF8.self)
        }

        /// Inside the top-level "cells" array, one object deep.
        func atCell() -> Bool {
            stack.count == 3 && stack[0].isObject && !stack[1].isObject && stack[1].key == "cells" && stack[2].isObject
        }

        while let b = next() {
            switch b {
            case UInt8(ascii: "\n"): line += 1
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let opening = b == UInt8(ascii: "{")
                stack.append((opening, stack.last?.isObject == true ? lastKey : nil))
                if atCell() && opening { result.append(nil); foundSource = false }
                expectingKey = opening
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                _ = stack.popLast()
                if inSource && stack.count < sourceDepth { inSource = false }
                expectingKey = false
            case UInt8(ascii: ","):
                expectingKey = stack.last?.isObject == true
            case UInt8(ascii: ":"):
                expectingKey = false
                if atCell(), lastKey == "source", !foundSource { inSource = true; sourceDepth = stack.count + 1 }
            case UInt8(ascii: "\""):
                let startLine = line
                let s = readString()
                if expectingKey {
                    lastKey = s
                } else if inSource, !foundSource, !result.isEmpty {
                    result[result.count - 1] = startLine
                    foundSource = true
                    if stack.count < sourceDepth { inSource = false }   // a single string value
                }
            default: break
            }
        }
        return result
    }
}
