import PrunebookCLI
#if PRUNEBOOK_NEEDS_AVX2
@preconcurrency import Glibc

// The engine was compiled for AVX2 and FMA (Package.swift's `engineCodegen`); this file is not,
// so it can still say why on an older CPU instead of dying of an illegal instruction.
if let cpuinfo = fopen("/proc/cpuinfo", "r") {
    var line: UnsafeMutablePointer<CChar>?
    var capacity = 0
    var flags: Set<Substring>?
    while flags == nil, getline(&line, &capacity, cpuinfo) > 0, let text = line.map({ String(cString: $0) }) {
        if text.hasPrefix("flags"), let colon = text.firstIndex(of: ":") {
            flags = Set(text[text.index(after: colon)...].split(whereSeparator: { $0 == " " || $0 == "\n" }))
        }
    }
    free(line)
    fclose(cpuinfo)
    if let flags, !(flags.contains("avx2") && flags.contains("fma")) {
        fputs("prunebook: this build needs a CPU with AVX2 and FMA, which this one lacks; "
              + "rebuild for any x86-64 CPU with PRUNEBOOK_TARGET_CPU=generic swift build -c release\n", stderr)
        exit(1)
    }
}
#endif

Prunebook.start()
