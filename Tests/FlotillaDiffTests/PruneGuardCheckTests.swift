@testable import FlotillaDiff
import FlotillaModel
import Testing

/// The daemon's prune guard, as `plan --base` predicts it: a cluster emptied, or with more than the guard's share of
/// its works deleted, is named; the trailer's allowance is reported, not hidden.
@Suite struct PruneGuardCheckTests {
    static func changes(_ cluster: String, _ actions: [WorkChange.Action]) -> [WorkChange] {
        actions.enumerated().map { index, action in
            WorkChange(template: ResourceIdentity(group: "", kind: "ConfigMap", namespace: "ns", name: "c\(index)"),
                       apiVersion: "v1", cluster: cluster, action: action, fields: [])
        }
    }

    @Test(arguments: [
        // (actions, guard, named)
        ([WorkChange.Action.delete, .unchanged, .unchanged], 50.0, false),    // 33% of 3
        ([.delete, .delete, .unchanged], 50.0, true),                         // 67% of 3
        ([.delete, .unchanged], 50.0, false),                                 // exactly the guard: not beyond it
        ([.delete, .create], 50.0, true),                                     // all it had, though another comes
        ([.delete], 100.0, true),                                             // emptied: held whatever the guard
        ([.create, .update], 0.0, false),                                     // nothing deleted
    ])
    func theGuard(actions: [WorkChange.Action], guardPercent: Double, named: Bool) {
        let warnings = PruneGuardCheck.warnings(Self.changes("a", actions), guardPercent: guardPercent,
                                                trailer: { "Flotilla-Allow-Prune: \($0)" }, allowed: { _ in false })
        #expect(warnings.map(\.cluster) == (named ? ["a"] : []))
    }

    @Test func warningsAreSortedAndSayWhetherTheTrailerAllowsThem() {
        let changes = Self.changes("b", [.delete]) + Self.changes("a", [.delete, .delete, .unchanged])
        let warnings = PruneGuardCheck.warnings(changes, guardPercent: 50, trailer: { "Flotilla-Allow-Prune: \($0)" },
                                                allowed: { $0 == "b" })
        #expect(warnings.map(\.description) == [
            "a: the change deletes 2 of 3 works (67%); the daemon's prune guard would hold it until a commit carries "
                + "`Flotilla-Allow-Prune: a`",
            "b: the change deletes 1 of 1 works (100%); allowed by the commit's trailer `Flotilla-Allow-Prune: b`",
        ])
        #expect(PruneGuardCheck.text([]).isEmpty && PruneGuardCheck.markdown([]).isEmpty)
    }
}
