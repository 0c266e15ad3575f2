"""jupyter_kernel_test's conformance tests for the prunescript kernel.

Run (from anywhere):
    PRUNEBOOK_BIN=/work/main/.build/release/prunebook OPENBLAS_CORETYPE=Cooperlake \
        /root/.cache/prunebook-peers/bin/python -m unittest discover -s /work/main/Tests/Kernel -v
"""

from __future__ import annotations

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import kernel_support  # noqa: E402  (installs the kernelspec, sets JUPYTER_PATH)
import jupyter_kernel_test  # noqa: E402


class PruneScriptKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = kernel_support.KERNEL_NAME

    @classmethod
    def setUpClass(cls) -> None:
        # own working folder (figures go to ./Plots) and own history file
        cls.km, cls.kc, cls.info = kernel_support.start_kernel("conformance")

    # kernel_info_reply.language_info
    language_name = "prunescript"
    file_extension = ".prune"

    # stream stdout / stderr; "warning: ..." goes to stderr (hist(log: true) drops values <= 0)
    code_hello_world = 'print("hello, world")'
    code_stderr = "hist([1, 2, 0, -1, 4], log: true, bins: 3)"

    # complete_request: the reply's matches, as a set
    completion_samples = [
        {"text": "pri", "matches": {"print"}},
        {"text": "summ", "matches": {"summary"}},
        {"text": "train(net, data, ep", "matches": {"epochs:"}},
        {"text": 'prune(net, "s', "matches": {"snip", "synflow"}},
    ]

    # is_complete_request, from the parser
    complete_code_samples = [
        "1 + 1",
        'print("hello")',
        "x = [1, 2, 3]",
        "for i in range(3) {\n  print(i)\n}",
        "if true {\n  1\n}",
    ]
    incomplete_code_samples = [
        "for i in 1..3 {",
        "1 +",
        "x = [1,",
        'print("a"',
        "a = ",
    ]
    invalid_code_samples = [
        ")",
        "}",
        "1 1",
        "@",
    ]

    # `?name` / `name?` pages the help as an execute_reply payload
    code_page_something = "?train"

    code_generate_error = "undefined_name_for_the_test"

    # execute_result (text/plain by default); the first also serves test_history
    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": 'table([{a: 1, b: "x"}])', "mime": "text/html"},
        {"code": '"ab" + "cd"', "result": '"abcd"'},
    ]

    # figures: display_data with SVG and PNG
    code_display_data = [
        {"code": "hist([1, 2, 3, 2], bins: 3)", "mime": "image/svg+xml"},
        {"code": "hist([1, 2, 3, 2], bins: 3)", "mime": "image/png"},
        {"code": "hist([1, 2, 3, 2], bins: 3)", "mime": "text/plain"},
    ]

    # history_request: glob over whole inputs; matches only "6 * 7" ("?" matches the "*")
    code_history_pattern = "6 ? 7"
    supported_history_operations = ("tail", "range", "search")

    # inspect_request: help of the name at the cursor
    code_inspect_sample = "train"

    # the kernel never sends clear_output: test_clear_output is skipped (no code_clear_output)


if __name__ == "__main__":
    unittest.main()
