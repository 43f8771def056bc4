import Foundation
import Testing
@testable import FlotillaModel

@Suite struct JSONParserTests {
    @Test func parsesWhatJSONSerializationParses() throws {
        let documents = [
            #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","labels":{"x.io/y":"z"}},"data":{"k":"v"}}"#,
            #"[1, -2, 3.5, -0.25, 1e3, 2E-2, 9223372036854775807, 18446744073709551616, true, false, null, "", {}, []]"#,
            #"{"escapes":"q\"b\\s\/n\nr\rt\tb\bf\f","unicode":"\u00e9\u4e2d\ud83d\ude00","raw":"é中😀"}"#,
            "  {\n\t\"spaced\" : [ 1 , { \"a\" : null } ] }\r\n",
            #"{"dup":1,"dup":2}"#,
            "0", "\"text\"",
        ]
        for text in documents {
            let expected = JSONValue(foundation: try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]))
            #expect(try JSONValue.parse(text) == expected, "\(text)")
        }
        #expect(try JSONValue.parse("[1, 1.0, -0, 1e2]") == .array([.int(1), .double(1), .int(0), .double(100)]))
    }

    @Test func roundTripsCanonicalJSON() throws {
        let value: JSONValue = .object([
            "s": .string("line\nquote\" back\\ tab\t ctrl\u{01} é 😀"), "i": .int(-42), "d": .double(0.5),
            "b": .bool(true), "n": .null, "a": .array([.object([:]), .array([]), .string("")]),
        ])
        #expect(try JSONValue.parse(value.canonicalJSON()) == value)
        #expect(try JSONValue.parse(value.prettyJSON()) == value)
    }

    @Test func refusesMalformedInputWithItsOffset() {
        let cases: [(String, Int)] = [
            ("", 0), ("{", 1), ("{\"a\" 1}", 5), ("{\"a\":1,}", 7), ("[1 2]", 3), ("01", 1), ("1.", 2), ("-", 1),
            ("\"open", 5), ("\"\\x\"", 3), ("\"\\ud800\"", 7), ("tru", 0), ("nul", 0), ("{} x", 3), ("\"a\u{01}\"", 2),
            ("[1e]", 3),
        ]
        for (text, offset) in cases {
            #expect(throws: JSONParseError.self, "\(text)") { try JSONValue.parse(text) }
            do { _ = try JSONValue.parse(text) } catch {
                #expect(error.offset == offset, "\(text): \(error)")
            }
        }
        let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(deep) }
    }
}

@Suite struct JSONSharingTests {
    @Test func sharingStorageKeepsTheValueAndTakesEqualPartsFromTheOther() throws {
        let applied = try JSONValue.parse(#"{"metadata":{"name":"a","labels":{"x":"1"}},"spec":{"replicas":2,"ports":[{"port":80},{"port":81}]}}"#)
        let live = try JSONValue.parse(#"{"metadata":{"name":"a","labels":{"x":"1"},"uid":"u"},"spec":{"replicas":3,"ports":[{"port":80},{"port":82}]},"status":{"ready":1}}"#)
        let shared = live.sharingStorage(with: applied)
        #expect(shared == live)
        #expect(live.sharingStorage(with: nil) == live)
        #expect(applied.sharingStorage(with: live) == applied)
        #expect(JSONValue.array([.int(1)]).sharingStorage(with: .array([.int(1), .int(2)])) == .array([.int(1)]))
    }
}
