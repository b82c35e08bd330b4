public import Foundation
public import SkeinJSON
import WorkflowModel

/// The holder part of a `coordination.k8s.io/v1` Lease, and the rules of taking it.
public struct LeaseRecord: Sendable, Hashable {
    public var holderIdentity: String?
    public var leaseDurationSeconds: Int
    public var acquireTime: Date?
    public var renewTime: Date?
    public var leaseTransitions: Int

    public init(holderIdentity: String?, leaseDurationSeconds: Int, acquireTime: Date?, renewTime: Date?,
                leaseTransitions: Int) {
        self.holderIdentity = holderIdentity
        self.leaseDurationSeconds = leaseDurationSeconds
        self.acquireTime = acquireTime
        self.renewTime = renewTime
        self.leaseTransitions = leaseTransitions
    }

    public init(spec: JSONValue?) {
        let duration: Int = if case .int(let d)? = spec?["leaseDurationSeconds"] { d } else { 0 }
        let transitions: Int = if case .int(let t)? = spec?["leaseTransitions"] { t } else { 0 }
        let holder = spec?["holderIdentity"]?.stringValue
        self.init(holderIdentity: holder?.isEmpty == true ? nil : holder, leaseDurationSeconds: duration,
                  acquireTime: spec?["acquireTime"]?.stringValue.flatMap(MicroTime.parse),
                  renewTime: spec?["renewTime"]?.stringValue.flatMap(MicroTime.parse),
                  leaseTransitions: transitions)
    }

    public var spec: JSONValue {
        var o: [String: JSONValue] = [
            "leaseDurationSeconds": .int(leaseDurationSeconds), "leaseTransitions": .int(leaseTransitions),
        ]
        o["holderIdentity"] = .string(holderIdentity ?? "")
        if let a = acquireTime { o["acquireTime"] = .string(MicroTime.format(a)) }
        if let r = renewTime { o["renewTime"] = .string(MicroTime.format(r)) }
        return .object(o)
    }

    /// Someone other than `identity` holds the lease and renewed it recently enough.
    public func heldByOther(than identity: String, now: Date) -> Bool {
        guard let h = holderIdentity, h != identity else { return false }
        guard let r = renewTime else { return false }
        return now < r.addingTimeInterval(TimeInterval(leaseDurationSeconds))
    }

    /// The record after `identity` takes or renews the lease at `now`; a change of holder
    /// (a released lease included) counts as a transition.
    public func taken(by identity: String, now: Date, duration: Int) -> LeaseRecord {
        let changed = holderIdentity != identity
        return LeaseRecord(holderIdentity: identity, leaseDurationSeconds: duration,
                           acquireTime: changed ? now : (acquireTime ?? now), renewTime: now,
                           leaseTransitions: changed ? leaseTransitions + 1 : leaseTransitions)
    }

    /// The record of a lease created by `identity` (no transition yet).
    public static func fresh(holder identity: String, now: Date, duration: Int) -> LeaseRecord {
        LeaseRecord(holderIdentity: identity, leaseDurationSeconds: duration, acquireTime: now, renewTime: now,
                    leaseTransitions: 0)
    }

    /// The record after its holder gives it up: empty holder, so others take it at once.
    public func released(now: Date) -> LeaseRecord {
        LeaseRecord(holderIdentity: nil, leaseDurationSeconds: 1, acquireTime: nil, renewTime: now,
                    leaseTransitions: leaseTransitions)
    }
}

/// Kubernetes `MicroTime`: RFC 3339 with microseconds, `2026-11-25T19:30:00.123456Z`.
public enum MicroTime {
    public static func format(_ d: Date) -> String {
        let t = d.timeIntervalSince1970
        var secs = floor(t)
        var micros = Int(((t - secs) * 1_000_000).rounded())
        if micros >= 1_000_000 { micros -= 1_000_000; secs += 1 }
        var tm = tm()
        var tt = time_t(secs)
        gmtime_r(&tt, &tm)
        func pad(_ v: Int32, _ n: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, n - s.count)) + s
        }
        let m = String(micros)
        return "\(pad(tm.tm_year + 1900, 4))-\(pad(tm.tm_mon + 1, 2))-\(pad(tm.tm_mday, 2))T"
            + "\(pad(tm.tm_hour, 2)):\(pad(tm.tm_min, 2)):\(pad(tm.tm_sec, 2))."
            + String(repeating: "0", count: 6 - m.count) + m + "Z"
    }

    /// Accepts RFC 3339 with or without a fraction, `Z` or a numeric offset.
    public static func parse(_ s: String) -> Date? {
        Timestamp(rfc3339: s).map { Date(timeIntervalSince1970: $0.seconds) }
    }
}
