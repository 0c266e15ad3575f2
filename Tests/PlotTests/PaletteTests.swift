import Testing
@testable import Plot

@Test func paletteCyclesThroughOkabeIto() {
    #expect(Palette.color(0) == "#000000")
    #expect(Palette.color(8) == Palette.color(0))
    #expect(Palette.color(-1) == "#CC79A7")
}
