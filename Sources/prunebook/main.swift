import PrunebookCLI
#if PRUNEBOOK_NEEDS_AVX2 || PRUNEBOOK_NEEDS_AVX512
@preconcurrency import Glibc

// The engine was compiled for the building machine's vector unit (Package.swift's
// `engineCodegen`); this file is not, so it can still say why on an older CPU instead of dying
// of an illegal instruction.
#if PRUNEBOOK_NEEDS_AVX512
let neededFlags = ["avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd", "fma"], neededName = "AVX-512"
#else
let neededFlags = ["avx2", "fma"], neededName = "AVX2 and FMA"
#endif
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
    if let flags, let missing = neededFlags.first(where: { !flags.contains(Substring($0)) }) {
        fputs("prunebook: this build needs a CPU with \(neededName), which this one lacks (no \(missing)); "
              + "rebuild for this CPU with swift build -c release (it picks the vector unit it finds), "
              + "or for any x86-64 CPU with PRUNEBOOK_TARGET_CPU=generic swift build -c release\n", stderr)
        exit(1)
    }
}
#endif

Prunebook.start()
