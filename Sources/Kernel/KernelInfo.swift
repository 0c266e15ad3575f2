import JSON
import Notebook
import Session

/// What `kernel_info_reply` says of this kernel. `language_info` is the one every transcript
/// carries (`NotebookMetadata.languageInfo`), so a notebook executed by nbclient and one
/// written by `prunebook run` agree.
enum KernelInfo {
    static var content: JSONValue {
        .object([
            ("status", .string("ok")),
            ("protocol_version", .string(Message.protocolVersion)),
            ("implementation", .string("prunebook")),
            ("implementation_version", .string(PrunebookVersion.current)),
            ("language_info", NotebookMetadata.languageInfo),
            ("banner", .string("Prunebook \(PrunebookVersion.current): PruneScript, pruning neural networks at initialization.\n"
                               + "?name or help(\"name\") explains a builtin; help() lists them.")),
            ("debugger", .bool(false)),
            ("help_links", .array([])),
        ])
    }
}
