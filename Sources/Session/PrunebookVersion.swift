/// Prunebook's version: shown by `--version`, the REPL's banner and the kernel's
/// `kernel_info`, and recorded in every transcript's metadata.
package enum PrunebookVersion {
    package static let current = "0.1.0"
}
