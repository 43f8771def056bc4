import FlotillaEngine
import Testing

/// The `Flotilla-Allow-Prune` commit trailer, read as git reads trailers (the message's last paragraph).
@Suite struct PruneAllowanceTests {
    @Test(arguments: [
        ("drop it\n\nFlotilla-Allow-Prune: east, west", ["east": true, "west": true, "north": false]),
        ("drop it\n\nSigned-off-by: x <x@y>\nflotilla-allow-prune: all", ["east": true, "anything": true]),
        ("drop it\n\nFlotilla-Allow-Prune: east\nFlotilla-Allow-Prune: west\n", ["east": true, "west": true]),
    ])
    func trailers(_ message: String, _ expected: [String: Bool]) throws {
        let allowance = try #require(PruneAllowance(message: message))
        for (cluster, allowed) in expected { #expect(allowance.allows(cluster) == allowed, "\(cluster)") }
    }

    @Test(arguments: [
        "Flotilla-Allow-Prune: east",  // a subject line is not a trailer
        "drop it\n\nFlotilla-Allow-Prune: east\n\nmore text",  // not in the last paragraph
        "drop it\n\nReviewed-by: someone",
    ])
    func notATrailer(_ message: String) {
        #expect(PruneAllowance(message: message) == nil)
    }
}
