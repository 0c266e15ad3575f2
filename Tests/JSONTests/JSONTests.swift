import JSON
import Testing

@Suite struct JSONParserTests {
    @Test func parsesNestedValues() throws {
        let v = try JSONParser.parse(#"{"a": [1, -2.5e3, true, null], "b": {"c": "x\u00e9\n"}}"#)
        #expect(v["a"]?.arrayValue?.count == 4)
        #expect(v["a"]?.arrayValue?[1].doubleValue == -2500)
        #expect(v["a"]?.arrayValue?[0].intValue == 1)
        #expect(v["b"]?["c"]?.stringValue == "xé\n")
    }

    @Test func keepsMemberOrderAndBigIntegers() throws {
        let v = try JSONParser.parse(#"{"z": 1, "a": 9007199254740993}"#)
        #expect(v.objectValue?.map(\.key) == ["z", "a"])
        #expect(v["a"]?.intValue == 9_007_199_254_740_993)
    }

    @Test func decodesSurrogatePairs() throws {
        #expect(try JSONParser.parse(#""\ud83d\ude00""#).stringValue == "😀")
    }

    @Test(arguments: [
        (#"{"a": 1, "a": 2}"#, "duplicate key \"a\""),
        (#"[1, 2"#, "unexpected end of input"),
        (#"{"a" 1}"#, "expected ':'"),
        (#"[01]"#, "expected ',' or ']'"),
        (#""abc"#, "unterminated string"),
        ("\"a\u{01}\"", "control character"),
        (#"[1] x"#, "unexpected text after"),
        (#""\ud800""#, "unpaired surrogate"),
        (#"tru"#, "expected 'true'"),
        (#"1."#, "expected digits after '.'"),
    ])
    func rejectsMalformedInput(text: String, message: String) {
        #expect {
            _ = try JSONParser.parse(text)
        } throws: { error in
            (error as? JSONError)?.message.contains(message) == true
        }
    }

    @Test func limitsNesting() {
        let deep = String(repeating: "[", count: 300) + String(repeating: "]", count: 300)
        #expect(throws: JSONError.self) { _ = try JSONParser.parse(deep) }
    }
}

@Suite struct JSONWriterTests {
    @Test func compactKeepsOrder() {
        let v = JSONValue.object([("b", .int(1)), ("a", .array([.bool(true), .null, .string("q\"")]))])
        #expect(JSONWriter.compact(v) == #"{"b":1,"a":[true,null,"q\""]}"#)
    }

    @Test func canonicalMatchesJupyterLayout() {
        let v = JSONValue.object([
            ("metadata", .object([])), ("cells", .array([.string("é")])), ("nbformat", .int(4)), ("list", .array([])),
        ])
        let expected = """
        {
         "cells": [
          "é"
         ],
         "list": [],
         "metadata": {},
         "nbformat": 4
        }
        """
        #expect(JSONWriter.canonical(v) == expected)
    }

    @Test func roundTrips() throws {
        let text = #"{"x":[1.5,-3,"a\\b\t",{"k":false}],"y":null}"#
        #expect(JSONWriter.compact(try JSONParser.parse(text)) == text)
    }

    @Test func escapesControlCharacters() {
        #expect(JSONWriter.quoted("a\u{1}b") == #""a\u0001b""#)
    }
}
