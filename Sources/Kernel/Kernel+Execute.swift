import Foundation
import JSON
import Notebook
import PruneScript
import Session

extension Kernel {
    /// `execute_request`: runs the code as the session's next cell. Outputs go to iopub as the
    /// session records them (the transcript's outputs, message for message), then the reply.
    func execute(_ request: Message, on socket: Socket) {
        let content = request.content
        let code = content["code"]?.stringValue ?? ""
        let silent = content["silent"]?.boolValue ?? false
        let storeHistory = content["store_history"]?.boolValue ?? !silent
        let stopOnError = content["stop_on_error"]?.boolValue ?? true

        if silent {   // run, but show nothing and count nothing
            let result = session.interpreter.run(code, cell: session.executionCount + 1)
            reply(to: request, on: socket, "execute_reply", result.error == nil
                  ? ok(count: session.executionCount) : failure(result, count: session.executionCount))
            return
        }
        if let name = Kernel.pagerName(code), let text = session.help(for: name) {
            // help is not a cell of the transcript: it pages, and takes no execution count
            iopub.publish("execute_input", .object([("code", .string(code)), ("execution_count", .int(session.executionCount))]),
                          parent: request)
            var reply = ok(count: session.executionCount, payload: [Kernel.page(text)])
            reply = reply.merging("user_expressions", .object([]))
            self.reply(to: request, on: socket, "execute_reply", reply)
            return
        }

        iopub.publish("execute_input", .object([("code", .string(code)), ("execution_count", .int(session.executionCount + 1))]),
                      parent: request)
        running = request
        let result = session.append(code)
        finishProgress()
        running = nil
        let count = session.executionCount
        if storeHistory { history.append(line: count, input: code) }
        if result.error != nil {
            // the requests queued before the client can know of the error are the ones to abort:
            // take them off the socket before the reply goes out
            if stopOnError {
                while let frames = try? socket.receive(timeout: 0) { queuedBeforeError.append(frames) }
                abortPending = true
            }
            reply(to: request, on: socket, "execute_reply", failure(result, count: count))
        } else {
            reply(to: request, on: socket, "execute_reply", ok(count: count).merging("user_expressions", userExpressions(content)))
        }
    }

    /// An `ok` execute reply.
    func ok(count: Int, payload: [JSONValue] = []) -> JSONValue {
        .object([("status", .string("ok")), ("execution_count", .int(count)), ("payload", .array(payload)),
                 ("user_expressions", .object([]))])
    }

    /// An `error` execute reply: the same ename, evalue and traceback as the error output.
    func failure(_ result: CellResult, count: Int) -> JSONValue {
        let (ename, evalue, traceback) = errorParts(result)
        return .object([("status", .string("error")), ("execution_count", .int(count)), ("ename", .string(ename)),
                        ("evalue", .string(evalue)), ("traceback", .array(traceback.map { .string($0) }))])
    }

    private func errorParts(_ result: CellResult) -> (String, String, [String]) {
        guard let error = result.error else { return ("Error", "", []) }
        let text = session.render(result) ?? error.message
        return (error.kind.name, error.message, text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
    }

    /// `user_expressions`: each evaluated after the cell, without output or counting, as
    /// `{status, data: {text/plain}, metadata}` or the error.
    func userExpressions(_ content: JSONValue) -> JSONValue {
        guard let items = content["user_expressions"]?.objectValue, !items.isEmpty else { return .object([]) }
        var out: [(key: String, value: JSONValue)] = []
        for (name, expr) in items {
            let result = session.interpreter.run(expr.stringValue ?? "", cell: session.executionCount)
            if result.error != nil {
                let (ename, evalue, traceback) = errorParts(result)
                out.append((name, .object([("status", .string("error")), ("ename", .string(ename)), ("evalue", .string(evalue)),
                                           ("traceback", .array(traceback.map { .string($0) }))])))
            } else {
                let text = result.value.map { session.interpreter.show($0) } ?? "nil"
                out.append((name, .object([("status", .string("ok")), ("data", .object([("text/plain", .string(text))])),
                                           ("metadata", .object([]))])))
            }
        }
        return .object(out)
    }

    /// After a failed cell with `stop_on_error`, the execute requests that were queued before its
    /// reply are answered `aborted` without running (as IPython does); other requests among them
    /// are served, and requests sent later run normally.
    func abortQueued(on socket: Socket) {
        let queued = queuedBeforeError
        queuedBeforeError = []
        for frames in queued {
            let request: Message
            do { request = try signer.decode(frames) } catch {
                KernelLog.write("dropped a message on \(socket.name): \(error)")
                continue
            }
            guard request.type == "execute_request" else {
                dispatch(request, on: socket)
                continue
            }
            iopub.status("busy", parent: request)
            reply(to: request, on: socket, "execute_reply",
                  .object([("status", .string("aborted")), ("execution_count", .int(session.executionCount))]))
            iopub.status("idle", parent: request)
        }
    }

    /// One output of the running cell, as the iopub message Jupyter expects for it.
    func publish(_ output: Output) {
        let parent = running
        switch output {
        case let .stream(name, text):
            iopub.publish("stream", .object([("name", .string(name.rawValue)), ("text", .string(text))]), parent: parent)
        case let .executeResult(count, _, _):
            iopub.publish("execute_result", .object([("execution_count", count.map { .int($0) } ?? .null),
                                                     ("data", data(output)), ("metadata", .object([]))]), parent: parent)
        case let .displayData(svg, png, _, _):
            // a text display (a builtin's closing line) replaces the live progress display
            if let id = progressDisplay, svg == nil, png == nil {
                progressDisplay = nil
                iopub.publish("update_display_data", display(output, id: id), parent: parent)
                return
            }
            iopub.publish("display_data", display(output, id: nil), parent: parent)
        case let .error(ename, evalue, traceback):
            iopub.publish("error", .object([("ename", .string(ename)), ("evalue", .string(evalue)),
                                            ("traceback", .array(traceback.map { .string($0) }))]), parent: parent)
        }
    }

    private func data(_ output: Output) -> JSONValue {
        .object(output.mimeData.map { ($0.key, .string($0.value)) })
    }

    private func display(_ output: Output, id: String?) -> JSONValue {
        .object([("data", data(output)), ("metadata", .object(output.displayMetadata)),
                 ("transient", .object(id.map { [("display_id", .string($0))] } ?? []))])
    }

    /// A progress line of `train`, `force`, `imp`…: shown in one display that each line
    /// replaces. The builtin's closing line replaces it last (see `publish`), so the saved
    /// output has no times in it.
    func showProgress(_ line: String) {
        let text = line.trimmingCharacters(in: .newlines)
        guard !text.isEmpty else { return }
        let content = { (id: String) -> JSONValue in
            .object([("data", .object([("text/plain", .string(text))])), ("metadata", .object([])),
                     ("transient", .object([("display_id", .string(id))]))])
        }
        if let id = progressDisplay {
            iopub.publish("update_display_data", content(id), parent: running)
        } else {
            let id = "progress-" + UUID().uuidString.lowercased()
            progressDisplay = id
            iopub.publish("display_data", content(id), parent: running)
        }
    }

    /// A cell that ended without its closing line (an error, an interrupt): its progress
    /// display is emptied rather than left with times in it.
    func finishProgress() {
        guard let id = progressDisplay else { return }
        progressDisplay = nil
        iopub.publish("update_display_data", .object([("data", .object([("text/plain", .string(""))])), ("metadata", .object([])),
                                                      ("transient", .object([("display_id", .string(id))]))]), parent: running)
    }

    /// `?name` or `name?`: the name to page help for.
    static func pagerName(_ code: String) -> String? {
        let t = code.trimmingCharacters(in: .whitespacesAndNewlines)
        let name: Substring
        if t.hasPrefix("?") { name = t.dropFirst() } else if t.hasSuffix("?") { name = t.dropLast() } else { return nil }
        guard let first = name.first, first.isLetter || first == "_",
              name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { return nil }
        return String(name)
    }

    /// The pager payload of an execute reply.
    static func page(_ text: String) -> JSONValue {
        .object([("source", .string("page")), ("data", .object([("text/plain", .string(text))])), ("start", .int(0))])
    }
}

extension JSONValue {
    /// This object with `key` set to `value` (replaced in place, else appended).
    func merging(_ key: String, _ value: JSONValue) -> JSONValue {
        guard var members = objectValue else { return self }
        if let i = members.firstIndex(where: { $0.key == key }) { members[i].value = value } else { members.append((key, value)) }
        return .object(members)
    }
}
