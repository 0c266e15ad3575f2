/// The Okabe–Ito palette (Okabe & Ito, "Color Universal Design", 2008): eight colours that stay
/// distinguishable under the common colour-vision deficiencies. Series take them in this order.
public enum Palette {
    public static let okabeIto: [String] = [
        "#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7",
    ]

    /// Colour of the `index`-th series (black first, then the seven hues, cycling).
    public static func color(_ index: Int) -> String {
        okabeIto[((index % okabeIto.count) + okabeIto.count) % okabeIto.count]
    }
}
