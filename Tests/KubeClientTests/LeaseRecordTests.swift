import Foundation
import KubeClient
import SkeinJSON
import Testing

@Suite struct LeaseRecordTests {
    @Test func microTimeRoundTrips() throws {
        let d = Date(timeIntervalSince1970: 1_764_099_000.123456)
        let s = MicroTime.format(d)
        #expect(s == "2025-11-25T19:30:00.123456Z")
        let back = try #require(MicroTime.parse(s))
        #expect(abs(back.timeIntervalSince(d)) < 1e-6)
        #expect(MicroTime.parse("2025-11-25T20:30:00+01:00") == Date(timeIntervalSince1970: 1_764_099_000))
        #expect(MicroTime.parse("2025-11-25T19:30:00Z") == Date(timeIntervalSince1970: 1_764_099_000))
        #expect(MicroTime.parse("yesterday") == nil)
        #expect(MicroTime.parse("2025-11-25T19:30:00") == nil)
    }

    @Test func takingRulesFollowHolderAndExpiry() {
        let t0 = Date(timeIntervalSince1970: 1_000_000)
        let free = LeaseRecord(spec: nil)
        #expect(!free.heldByOther(than: "a", now: t0))
        #expect(free.taken(by: "a", now: t0, duration: 15).leaseTransitions == 1)   // a change of holder
        let a = LeaseRecord.fresh(holder: "a", now: t0, duration: 15)
        #expect(a.holderIdentity == "a")
        #expect(a.leaseTransitions == 0)         // the creator is not a transition
        #expect(a.heldByOther(than: "b", now: t0.addingTimeInterval(14)))
        #expect(!a.heldByOther(than: "b", now: t0.addingTimeInterval(15)))   // expired
        #expect(!a.heldByOther(than: "a", now: t0))                          // own lease
        let renewed = a.taken(by: "a", now: t0.addingTimeInterval(5), duration: 15)
        #expect(renewed.acquireTime == t0)
        #expect(renewed.renewTime == t0.addingTimeInterval(5))
        let b = renewed.taken(by: "b", now: t0.addingTimeInterval(30), duration: 15)
        #expect(b.leaseTransitions == 1)
        #expect(b.acquireTime == t0.addingTimeInterval(30))
        let released = b.released(now: t0.addingTimeInterval(31))
        #expect(released.holderIdentity == nil)
        #expect(!released.heldByOther(than: "a", now: t0.addingTimeInterval(31)))
        #expect(released.taken(by: "a", now: t0.addingTimeInterval(32), duration: 15).leaseTransitions == 2)
        // Through the Lease spec JSON and back.
        let back = LeaseRecord(spec: b.spec)
        #expect(back.holderIdentity == "b")
        #expect(back.leaseTransitions == 1)
        #expect(back.leaseDurationSeconds == 15)
        #expect(abs((back.renewTime ?? .distantPast).timeIntervalSince(t0.addingTimeInterval(30))) < 1e-6)
    }
}
