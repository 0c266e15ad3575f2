import Testing
@testable import Notebook

@Test func transcriptOfEveryOutputKind() {
    let expected = """
    # Demo
    Café ☕

    ```prune
    #| label: fig-1
    #| fig-cap: Accuracy
    #| tags: [parameters]
    x = 1
    x
    ```

    ```
    a\tb
    "q"
    ```

    ```
    1
    ```

    ![Accuracy](Plots/demo-2-1.svg)

    ```
    cell 2, line 1, column 1
      y
      ^
    ```

    ```prune
    ```

    """
    #expect(MarkdownTranscript.render(sampleNotebook()) == expected)
}

@Test func fencesOutgrowBackticksInside() {
    #expect(MarkdownTranscript.fenced("a ``` b\n````", info: "prune") == "`````prune\na ``` b\n````\n`````")
    #expect(MarkdownTranscript.fenced("") == "```\n```")
}

@Test func figuresWithoutCaptionOrFile() {
    var nb = Notebook()
    let i = nb.appendCode("plot(r)")
    nb.cells[i].append(.displayData(svg: "<svg/>", text: "fig [1]\nsecond", file: "my plots/a (1).svg"))
    nb.cells[i].append(.displayData(svg: "<svg/>", text: "unsaved", file: nil))
    nb.cells[i].append(.error(ename: "Interrupted", evalue: "stopped by Ctrl-C", traceback: []))
    #expect(MarkdownTranscript.render(nb) == """
    ```prune
    plot(r)
    ```

    ![fig \\[1\\] second](my%20plots/a%20%281%29.svg)

    ```
    unsaved
    ```

    ```
    Interrupted: stopped by Ctrl-C
    ```

    """)
    #expect(MarkdownTranscript.render(Notebook()) == "")
}
